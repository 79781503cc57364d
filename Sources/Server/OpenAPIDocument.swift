// The HTTP API's OpenAPI 3.0 description, served at GET /api/openapi.json: every route with its
// auth, parameters, request body and answers. OpenAPITests checks it against the router's routes,
// so a route added without its description (or described but gone) fails the suite.
enum OpenAPIDocument {
    /// The document as JSON text.
    static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "lmlab",
    "version": "1",
    "description": "The lmlab daemon's HTTP API: students hand in lab submissions and read their feedback, the Python client logs experiment runs, instructors read reports and manage the roster. Every request but /api/health, /api/openapi.json and /client/lmlab_client.py carries `Authorization: Bearer <token>` (`lmlab students token S`). Every error body is {\"error\": \"<message>\"}. Submission bodies use camelCase names; experiment-tracking bodies use snake_case, as labs/client/PROTOCOL.md does."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8080"
    }
  ],
  "security": [
    {
      "bearer": []
    }
  ],
  "paths": {
    "/api/health": {
      "get": {
        "operationId": "health",
        "summary": "Is the daemon up, how deep is the queue, how busy are the workers.",
        "security": [],
        "responses": {
          "200": {
            "description": "The daemon's state.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          }
        }
      }
    },
    "/api/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This description of the API.",
        "security": [],
        "responses": {
          "200": {
            "description": "An OpenAPI 3.0 document.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    },
    "/api/submissions": {
      "post": {
        "operationId": "submit",
        "summary": "Hand in a file, or a folder packed as `<name>.lmlab-folder.json`, for grading.",
        "parameters": [
          {
            "name": "lab",
            "in": "query",
            "required": true,
            "description": "The lab's id, e.g. 01-attention.",
            "schema": {
              "type": "string",
              "minLength": 1
            }
          },
          {
            "name": "filename",
            "in": "query",
            "required": true,
            "description": "A plain file name ending in .py or .ipynb, or a packed folder's `<name>.lmlab-folder.json`.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255
            }
          }
        ],
        "requestBody": {
          "required": true,
          "description": "The file's bytes as they are (at most 8 MiB), or a folder packed as a SubmissionBundle (JSON: {\"folder\": name, \"files\": [{\"path\", \"base64\"}]}).",
          "content": {
            "application/octet-stream": {
              "schema": {
                "type": "string",
                "format": "binary"
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Queued for grading.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubmissionReceipt"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "429": {
            "$ref": "#/components/responses/RateLimited"
          }
        }
      }
    },
    "/api/submissions/{id}": {
      "get": {
        "operationId": "submission",
        "summary": "A submission's status and feedback: the caller's own (any for an instructor). Hidden tests show status and points only.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The submission as the caller may see it.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubmissionFeedback"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/labs/{lab}/submissions/latest": {
      "get": {
        "operationId": "latestSubmission",
        "summary": "The caller's latest submission to a lab; an instructor may name any student.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Lab"
          },
          {
            "name": "student",
            "in": "query",
            "required": false,
            "description": "Another student's id (instructors only).",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The latest submission as the caller may see it.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubmissionFeedback"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/labs/{lab}/leaderboard": {
      "get": {
        "operationId": "labLeaderboard",
        "summary": "The class ranking of a lab under pseudonyms; ties go to the earlier submission.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Lab"
          },
          {
            "$ref": "#/components/parameters/Names"
          }
        ],
        "responses": {
          "200": {
            "description": "The ranking.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Leaderboard"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/runs/batch": {
      "post": {
        "operationId": "runBatch",
        "summary": "Start, log to and end a run in one batch (labs/client/PROTOCOL.md); `start.student` is the token's owner.",
        "requestBody": {
          "required": true,
          "description": "A run batch, at most 4 MiB.",
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RunBatch"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "What the batch did.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunBatchReceipt"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          }
        }
      }
    },
    "/api/runs/{id}": {
      "get": {
        "operationId": "run",
        "summary": "A run with its params, tags and metric summaries: the caller's own (any for an instructor).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunDetails"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/experiments/{name}/runs": {
      "get": {
        "operationId": "searchRuns",
        "summary": "Search an experiment's runs (a student finds only their own).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Experiment"
          },
          {
            "name": "filter",
            "in": "query",
            "required": false,
            "description": "MLflow-style filter, e.g. `params.lora_r <= 8 and metrics.eval_loss.min < 2.5`.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "order_by",
            "in": "query",
            "required": false,
            "description": "Comma-separated fields, each optionally followed by ASC or DESC.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 10000,
              "default": 100
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The matching runs.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunSearch"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/experiments/{name}/leaderboard": {
      "get": {
        "operationId": "experimentLeaderboard",
        "summary": "One row per student: their best run by a metric summary.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Experiment"
          },
          {
            "name": "metric",
            "in": "query",
            "required": true,
            "description": "`<key>.<min|max|last>`, e.g. eval_loss.min.",
            "schema": {
              "type": "string",
              "minLength": 1
            }
          },
          {
            "name": "order",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "asc",
                "desc"
              ],
              "default": "asc"
            }
          },
          {
            "name": "where",
            "in": "query",
            "required": false,
            "description": "A run filter, as in search.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "verified",
            "in": "query",
            "required": false,
            "description": "Only runs lmlab measured itself.",
            "schema": {
              "type": "boolean",
              "default": false
            }
          },
          {
            "$ref": "#/components/parameters/Names"
          }
        ],
        "responses": {
          "200": {
            "description": "The ranking.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ExperimentLeaderboard"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/experiments/{name}/report": {
      "get": {
        "operationId": "experimentReport",
        "summary": "What `lmlab report experiment E` prints (instructors only).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Experiment"
          },
          {
            "name": "metric",
            "in": "query",
            "required": false,
            "description": "The metric whose curves are drawn.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "rank_by",
            "in": "query",
            "required": false,
            "description": "`<key>.<min|max|last>`.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The report.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "report"
                  ],
                  "properties": {
                    "report": {
                      "$ref": "#/components/schemas/ExperimentReport"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/reports/class": {
      "get": {
        "operationId": "classOverview",
        "summary": "Every lab's submitted, graded, mean, late and missing counts (instructors only).",
        "responses": {
          "200": {
            "description": "The overview.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ClassOverview"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/reports/labs/{lab}": {
      "get": {
        "operationId": "labReport",
        "summary": "One lab across the class: histogram, pass rates, mistakes, late and missing students (instructors only).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Lab"
          }
        ],
        "responses": {
          "200": {
            "description": "The report.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LabReport"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/reports/students/{id}": {
      "get": {
        "operationId": "studentReport",
        "summary": "One student across the labs, without their token hash (instructors only).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Student"
          }
        ],
        "responses": {
          "200": {
            "description": "The report.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StudentReport"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/reports/experiments": {
      "get": {
        "operationId": "experimentReports",
        "summary": "Every experiment's report with its default metric and ranking (instructors only).",
        "responses": {
          "200": {
            "description": "The reports, by experiment name.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "experiments"
                  ],
                  "properties": {
                    "experiments": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/ExperimentReport"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/exports/grades": {
      "get": {
        "operationId": "exportGrades",
        "summary": "One row per roster student; with results, each counted submission's tests (for Gradescope). Instructors only.",
        "parameters": [
          {
            "name": "lab",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1
            }
          },
          {
            "name": "results",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean",
              "default": false
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The grades.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/GradesExport"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/students": {
      "get": {
        "operationId": "roster",
        "summary": "Everyone on the roster, instructors included, by id; never a token hash (instructors only).",
        "responses": {
          "200": {
            "description": "The roster.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "students"
                  ],
                  "properties": {
                    "students": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/RosterMember"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      },
      "post": {
        "operationId": "addStudent",
        "summary": "Add or update one person; an instructor gets an API token in the answer (instructors only).",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewStudent"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Added.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StudentAdded"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          }
        }
      }
    },
    "/api/students/import": {
      "post": {
        "operationId": "importRoster",
        "summary": "Import a roster CSV (`id,name,email`): all lines or none (instructors only).",
        "requestBody": {
          "required": true,
          "description": "The CSV as UTF-8 text, at most 1 MiB.",
          "content": {
            "text/csv": {
              "schema": {
                "type": "string"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "How many were added and updated.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "added",
                    "updated"
                  ],
                  "properties": {
                    "added": {
                      "type": "integer"
                    },
                    "updated": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          }
        }
      }
    },
    "/api/students/{id}/token": {
      "post": {
        "operationId": "issueToken",
        "summary": "A new API token for a student, shown once; the old one stops working (instructors only).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Student"
          }
        ],
        "responses": {
          "200": {
            "description": "The token.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "student",
                    "token"
                  ],
                  "properties": {
                    "student": {
                      "type": "string"
                    },
                    "token": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/students/{id}/link": {
      "post": {
        "operationId": "signInLink",
        "summary": "A one-time sign-in link for the web pages: GET its path once within a week to sign in as the student (instructors only).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Student"
          }
        ],
        "responses": {
          "200": {
            "description": "The link's code and path.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "student",
                    "code",
                    "path",
                    "expiresAt"
                  ],
                  "properties": {
                    "student": {
                      "type": "string"
                    },
                    "code": {
                      "type": "string"
                    },
                    "path": {
                      "type": "string"
                    },
                    "expiresAt": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/regrade": {
      "post": {
        "operationId": "regrade",
        "summary": "Queue a lab's graded or failed submissions again, for one student or all; old grades are kept (instructors only).",
        "parameters": [
          {
            "name": "lab",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1
            }
          },
          {
            "name": "student",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "How many were queued again.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "lab",
                    "queued"
                  ],
                  "properties": {
                    "lab": {
                      "type": "string"
                    },
                    "student": {
                      "type": "string",
                      "nullable": true
                    },
                    "queued": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/labs": {
      "get": {
        "operationId": "labs",
        "summary": "The labs with their due dates, points and rate limits.",
        "responses": {
          "200": {
            "description": "Every synced lab.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Labs"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        }
      }
    },
    "/api/labs/{lab}/check": {
      "post": {
        "operationId": "check",
        "summary": "Run the lab's visible tests on a file (or packed folder) in the sandbox: a self-check, not stored and not a submission, with its own rate limit.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Lab"
          },
          {
            "name": "filename",
            "in": "query",
            "required": true,
            "description": "As for POST /api/submissions.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255
            }
          }
        ],
        "requestBody": {
          "required": true,
          "description": "The file's bytes, or a packed folder, as for a submission.",
          "content": {
            "application/octet-stream": {
              "schema": {
                "type": "string",
                "format": "binary"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The visible tests' feedback.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CheckReport"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "429": {
            "$ref": "#/components/responses/RateLimited"
          },
          "503": {
            "description": "This daemon has no grader for the lab.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/client/lmlab_client.py": {
      "get": {
        "operationId": "pythonClient",
        "summary": "The Python client (labs/client/lmlab_client.py), for a notebook to fetch.",
        "security": [],
        "responses": {
          "200": {
            "description": "The module's source.",
            "content": {
              "text/x-python": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "503": {
            "description": "This daemon serves no client.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A student's or instructor's API token (`lmlab students token S`)."
      }
    },
    "parameters": {
      "Lab": {
        "name": "lab",
        "in": "path",
        "required": true,
        "description": "The lab's id, e.g. 01-attention.",
        "schema": {
          "type": "string"
        }
      },
      "Experiment": {
        "name": "name",
        "in": "path",
        "required": true,
        "description": "The experiment's name.",
        "schema": {
          "type": "string"
        }
      },
      "Student": {
        "name": "id",
        "in": "path",
        "required": true,
        "description": "The student's id.",
        "schema": {
          "type": "string"
        }
      },
      "Names": {
        "name": "names",
        "in": "query",
        "required": false,
        "description": "Real names instead of pseudonyms (instructors only; 403 for a student).",
        "schema": {
          "type": "boolean",
          "default": false
        }
      }
    },
    "responses": {
      "BadRequest": {
        "description": "A malformed request; the message says what to change.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Unauthorized": {
        "description": "No token, or one lmlab does not know.",
        "headers": {
          "WWW-Authenticate": {
            "schema": {
              "type": "string"
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Forbidden": {
        "description": "Not allowed for this token (an instructor's endpoint, another student's data, a lab past its late due date).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "NotFound": {
        "description": "No such lab, student, submission, run or experiment (or not the caller's).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Conflict": {
        "description": "The request contradicts what is stored: a batch its run (a param changed, the run ended, another experiment), or a new student an id already on the roster (send update: true to change them).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "TooLarge": {
        "description": "The body is over the endpoint's limit.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "RateLimited": {
        "description": "Over the lab's limit per hour; Retry-After says when to try again.",
        "headers": {
          "Retry-After": {
            "schema": {
              "type": "integer"
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "string"
          }
        }
      },
      "Health": {
        "type": "object",
        "required": [
          "status",
          "queued",
          "running",
          "workers",
          "busyWorkers"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ok",
              "stopping"
            ]
          },
          "queued": {
            "type": "integer"
          },
          "running": {
            "type": "integer"
          },
          "workers": {
            "type": "integer"
          },
          "busyWorkers": {
            "type": "integer"
          }
        }
      },
      "SubmissionReceipt": {
        "type": "object",
        "required": [
          "id",
          "lab",
          "filename",
          "sha256",
          "size",
          "status",
          "late",
          "submittedAt"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64"
          },
          "lab": {
            "type": "string"
          },
          "filename": {
            "type": "string"
          },
          "sha256": {
            "type": "string"
          },
          "size": {
            "type": "integer"
          },
          "status": {
            "type": "string"
          },
          "late": {
            "type": "boolean"
          },
          "submittedAt": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "TestFeedback": {
        "type": "object",
        "required": [
          "name",
          "component",
          "status",
          "points",
          "maxPoints",
          "visibility",
          "nearMiss",
          "seconds"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "component": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "pass",
              "fail",
              "error",
              "timeout",
              "crash"
            ]
          },
          "points": {
            "type": "number"
          },
          "maxPoints": {
            "type": "number"
          },
          "visibility": {
            "type": "string"
          },
          "diagnosis": {
            "type": "string",
            "nullable": true,
            "description": "The catalogued mistake's id; withheld for a hidden test."
          },
          "nearMiss": {
            "type": "boolean"
          },
          "message": {
            "type": "string",
            "nullable": true
          },
          "maxAbsError": {
            "type": "number",
            "nullable": true
          },
          "maxRelError": {
            "type": "number",
            "nullable": true
          },
          "seconds": {
            "type": "number"
          },
          "mistake": {
            "type": "string",
            "nullable": true,
            "description": "The diagnosed mistake's title from the catalogue."
          },
          "hint": {
            "type": "string",
            "nullable": true,
            "description": "The lecture's hint for it."
          },
          "slice": {
            "type": "object",
            "nullable": true,
            "description": "A failing array answer: expected and got on the row holding the element furthest outside the tolerance, at most 8 values (non-finite values as the strings nan, inf, -inf).",
            "required": ["row", "start", "columns", "worst", "expected", "got"],
            "properties": {
              "row": { "type": "array", "items": { "type": "integer" } },
              "start": { "type": "integer" },
              "columns": { "type": "integer" },
              "worst": { "type": "integer" },
              "expected": { "type": "array", "items": { "oneOf": [{ "type": "number" }, { "type": "string" }] } },
              "got": { "type": "array", "items": { "oneOf": [{ "type": "number" }, { "type": "string" }] } }
            }
          },
          "attention": {
            "type": "object",
            "nullable": true,
            "description": "A failing attention test diagnosed as a catalogued mistake: per head (at most 4), the reference's attention weights on the test's case beside the mistake's, [queries][keys], cut to the first 16 positions.",
            "required": ["mistakeID", "queries", "keys", "headCount", "heads"],
            "properties": {
              "mistakeID": { "type": "string" },
              "queries": { "type": "integer" },
              "keys": { "type": "integer" },
              "headCount": { "type": "integer" },
              "heads": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": ["reference", "mistake"],
                  "properties": {
                    "reference": {
                      "type": "array",
                      "items": { "type": "array", "items": { "type": "number" } }
                    },
                    "mistake": {
                      "type": "array",
                      "items": { "type": "array", "items": { "type": "number" } }
                    }
                  }
                }
              }
            }
          }
        }
      },
      "VerifiedRunSummary": {
        "type": "object",
        "required": [
          "experiment",
          "runID"
        ],
        "properties": {
          "experiment": {
            "type": "string"
          },
          "runID": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "nullable": true
          },
          "scheme": {
            "type": "string",
            "nullable": true
          },
          "adapter": {
            "type": "string",
            "nullable": true
          },
          "perplexity": {
            "type": "number",
            "nullable": true
          },
          "basePerplexity": {
            "type": "number",
            "nullable": true
          },
          "bitsPerWeight": {
            "type": "number",
            "nullable": true
          },
          "codeAgreement": {
            "type": "number",
            "nullable": true
          }
        }
      },
      "SubmissionFeedback": {
        "type": "object",
        "required": [
          "id",
          "student",
          "lab",
          "filename",
          "status",
          "submittedAt",
          "late",
          "tests",
          "afterDueTests",
          "afterDueMaxScore",
          "verifiedRuns"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64"
          },
          "student": {
            "type": "string"
          },
          "lab": {
            "type": "string"
          },
          "filename": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "queued",
              "running",
              "graded",
              "error"
            ]
          },
          "submittedAt": {
            "type": "string",
            "format": "date-time"
          },
          "gradedAt": {
            "type": "string",
            "format": "date-time",
            "nullable": true
          },
          "score": {
            "type": "number",
            "nullable": true
          },
          "maxScore": {
            "type": "number",
            "nullable": true
          },
          "late": {
            "type": "boolean"
          },
          "penalty": {
            "type": "number",
            "nullable": true
          },
          "error": {
            "type": "string",
            "nullable": true
          },
          "tests": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/TestFeedback"
            }
          },
          "afterDueTests": {
            "type": "integer"
          },
          "afterDueMaxScore": {
            "type": "number"
          },
          "verifiedRuns": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/VerifiedRunSummary"
            }
          },
          "verification": {
            "type": "string",
            "nullable": true
          }
        }
      },
      "Leaderboard": {
        "type": "object",
        "required": [
          "lab",
          "counting",
          "rows"
        ],
        "properties": {
          "lab": {
            "type": "string"
          },
          "counting": {
            "type": "string",
            "enum": [
              "best",
              "latest"
            ]
          },
          "rows": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "rank",
                "name",
                "score",
                "submittedAt"
              ],
              "properties": {
                "rank": {
                  "type": "integer"
                },
                "name": {
                  "type": "string"
                },
                "score": {
                  "type": "number"
                },
                "submittedAt": {
                  "type": "string",
                  "format": "date-time"
                }
              }
            }
          }
        }
      },
      "JSONNumber": {
        "description": "A number, or \"NaN\", \"Infinity\", \"-Infinity\".",
        "oneOf": [
          {
            "type": "number"
          },
          {
            "type": "string",
            "enum": [
              "NaN",
              "Infinity",
              "-Infinity"
            ]
          }
        ]
      },
      "RunBatch": {
        "type": "object",
        "required": [
          "run_id"
        ],
        "description": "labs/client/PROTOCOL.md: start (first batch of a run), params, metrics (at most 10,000 points), tags, end.",
        "properties": {
          "run_id": {
            "type": "string",
            "pattern": "^[A-Za-z0-9._-]{1,64}$"
          },
          "start": {
            "type": "object",
            "required": [
              "experiment"
            ],
            "properties": {
              "experiment": {
                "type": "string"
              },
              "name": {
                "type": "string",
                "nullable": true
              },
              "student": {
                "type": "string",
                "nullable": true,
                "description": "Ignored over HTTP: the run is the token owner's."
              },
              "lab": {
                "type": "string",
                "nullable": true
              },
              "git_commit": {
                "type": "string",
                "nullable": true
              },
              "host": {
                "type": "string",
                "nullable": true
              },
              "environment": {
                "type": "string",
                "nullable": true
              },
              "time": {
                "type": "integer",
                "minimum": 0,
                "description": "Unix milliseconds (default: now)."
              }
            }
          },
          "params": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "metrics": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "key",
                "value"
              ],
              "properties": {
                "key": {
                  "type": "string"
                },
                "value": {
                  "$ref": "#/components/schemas/JSONNumber"
                },
                "step": {
                  "type": "integer"
                },
                "timestamp": {
                  "type": "integer"
                }
              }
            },
            "maxItems": 10000
          },
          "tags": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "end": {
            "type": "object",
            "required": [
              "status"
            ],
            "properties": {
              "status": {
                "type": "string",
                "enum": [
                  "FINISHED",
                  "FAILED",
                  "KILLED"
                ]
              },
              "time": {
                "type": "integer",
                "minimum": 0
              }
            }
          }
        }
      },
      "RunBatchReceipt": {
        "type": "object",
        "required": [
          "run_id",
          "status",
          "params",
          "metrics",
          "tags"
        ],
        "properties": {
          "run_id": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "params": {
            "type": "integer"
          },
          "metrics": {
            "type": "integer"
          },
          "tags": {
            "type": "integer"
          }
        }
      },
      "RunAttributes": {
        "type": "object",
        "required": [
          "id",
          "experiment",
          "status",
          "source",
          "start_time",
          "heartbeat_at",
          "deleted"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "experiment": {
            "type": "string"
          },
          "name": {
            "type": "string",
            "nullable": true
          },
          "student": {
            "type": "string",
            "nullable": true
          },
          "status": {
            "type": "string",
            "enum": [
              "RUNNING",
              "FINISHED",
              "FAILED",
              "KILLED",
              "DEAD"
            ]
          },
          "source": {
            "type": "string"
          },
          "start_time": {
            "type": "string",
            "format": "date-time"
          },
          "end_time": {
            "type": "string",
            "format": "date-time",
            "nullable": true
          },
          "heartbeat_at": {
            "type": "string",
            "format": "date-time"
          },
          "git_commit": {
            "type": "string",
            "nullable": true
          },
          "host": {
            "type": "string",
            "nullable": true
          },
          "environment": {
            "type": "string",
            "nullable": true
          },
          "deleted": {
            "type": "boolean"
          }
        }
      },
      "MetricSummary": {
        "type": "object",
        "required": [
          "last_is_nan",
          "last_step",
          "last_timestamp",
          "count",
          "nan_count"
        ],
        "properties": {
          "last": {
            "allOf": [
              {
                "$ref": "#/components/schemas/JSONNumber"
              }
            ],
            "nullable": true
          },
          "last_is_nan": {
            "type": "boolean"
          },
          "last_step": {
            "type": "integer"
          },
          "last_timestamp": {
            "type": "integer"
          },
          "min": {
            "allOf": [
              {
                "$ref": "#/components/schemas/JSONNumber"
              }
            ],
            "nullable": true
          },
          "min_step": {
            "type": "integer",
            "nullable": true
          },
          "max": {
            "allOf": [
              {
                "$ref": "#/components/schemas/JSONNumber"
              }
            ],
            "nullable": true
          },
          "max_step": {
            "type": "integer",
            "nullable": true
          },
          "count": {
            "type": "integer"
          },
          "nan_count": {
            "type": "integer"
          }
        }
      },
      "RunDetails": {
        "type": "object",
        "required": [
          "run",
          "params",
          "tags",
          "metrics"
        ],
        "properties": {
          "run": {
            "$ref": "#/components/schemas/RunAttributes"
          },
          "params": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "tags": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "metrics": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/MetricSummary"
            }
          }
        }
      },
      "RunSearch": {
        "type": "object",
        "required": [
          "experiment",
          "limit",
          "runs"
        ],
        "properties": {
          "experiment": {
            "type": "string"
          },
          "filter": {
            "type": "string",
            "nullable": true
          },
          "order_by": {
            "type": "string",
            "nullable": true
          },
          "limit": {
            "type": "integer"
          },
          "runs": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "run",
                "order_values"
              ],
              "properties": {
                "run": {
                  "$ref": "#/components/schemas/RunAttributes"
                },
                "order_values": {
                  "type": "array",
                  "items": {
                    "nullable": true,
                    "oneOf": [
                      {
                        "type": "number"
                      },
                      {
                        "type": "string"
                      }
                    ]
                  }
                }
              }
            }
          }
        }
      },
      "ExperimentLeaderboard": {
        "type": "object",
        "required": [
          "experiment",
          "metric",
          "order",
          "rows"
        ],
        "properties": {
          "experiment": {
            "type": "string"
          },
          "metric": {
            "type": "string"
          },
          "order": {
            "type": "string",
            "enum": [
              "asc",
              "desc"
            ]
          },
          "where": {
            "type": "string",
            "nullable": true
          },
          "rows": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "rank",
                "name",
                "run_id",
                "value"
              ],
              "properties": {
                "rank": {
                  "type": "integer"
                },
                "name": {
                  "type": "string"
                },
                "student": {
                  "type": "string",
                  "nullable": true
                },
                "run_id": {
                  "type": "string"
                },
                "value": {
                  "$ref": "#/components/schemas/JSONNumber"
                },
                "step": {
                  "type": "integer",
                  "nullable": true
                }
              }
            }
          }
        }
      },
      "ExperimentReport": {
        "type": "object",
        "required": [
          "experiment",
          "metrics",
          "plotMetric",
          "rankBy",
          "ascending",
          "runs",
          "keyParams",
          "leaderboard"
        ],
        "description": "The data of `lmlab report experiment E`: runs (status, pseudonym, params, each metric's last and min), the ranking and one metric's curves. Non-finite values are \"NaN\", \"Infinity\", \"-Infinity\".",
        "properties": {
          "experiment": {
            "type": "string"
          },
          "metrics": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "runs": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "status",
                "params",
                "summaries",
                "curve"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "name": {
                  "type": "string",
                  "nullable": true
                },
                "status": {
                  "type": "string"
                },
                "pseudonym": {
                  "type": "string",
                  "nullable": true
                },
                "params": {
                  "type": "object",
                  "additionalProperties": {
                    "type": "string"
                  }
                },
                "summaries": {
                  "type": "object",
                  "additionalProperties": {
                    "type": "object"
                  }
                },
                "curve": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": [
                      "step",
                      "value"
                    ],
                    "properties": {
                      "step": {
                        "type": "integer"
                      },
                      "value": {
                        "$ref": "#/components/schemas/JSONNumber"
                      }
                    }
                  }
                },
                "rankValue": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/JSONNumber"
                    }
                  ],
                  "nullable": true
                }
              }
            }
          },
          "plotMetric": {
            "type": "string"
          },
          "rankBy": {
            "type": "string"
          },
          "ascending": {
            "type": "boolean"
          },
          "keyParams": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "leaderboard": {
            "type": "array",
            "items": {
              "type": "object"
            }
          }
        }
      },
      "ClassOverview": {
        "type": "object",
        "required": [
          "rosterSize",
          "labs"
        ],
        "properties": {
          "rosterSize": {
            "type": "integer"
          },
          "labs": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "lab",
                "title",
                "submitters",
                "graded",
                "late",
                "missing"
              ],
              "properties": {
                "lab": {
                  "type": "string"
                },
                "title": {
                  "type": "string"
                },
                "due": {
                  "type": "string",
                  "format": "date-time",
                  "nullable": true
                },
                "submitters": {
                  "type": "integer"
                },
                "graded": {
                  "type": "integer"
                },
                "meanFraction": {
                  "type": "number",
                  "nullable": true
                },
                "late": {
                  "type": "integer"
                },
                "missing": {
                  "type": "integer"
                }
              }
            }
          }
        }
      },
      "LabReport": {
        "type": "object",
        "required": [
          "title",
          "report"
        ],
        "properties": {
          "title": {
            "type": "string"
          },
          "report": {
            "type": "object",
            "required": [
              "labID",
              "rosterSize",
              "submitters",
              "graded",
              "histogram",
              "passRates",
              "diagnoses",
              "lateCount",
              "missingStudents"
            ],
            "properties": {
              "labID": {
                "type": "string"
              },
              "rosterSize": {
                "type": "integer"
              },
              "submitters": {
                "type": "integer"
              },
              "graded": {
                "type": "integer"
              },
              "histogram": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "lowerPercent",
                    "upperPercent",
                    "count"
                  ],
                  "properties": {
                    "lowerPercent": {
                      "type": "integer"
                    },
                    "upperPercent": {
                      "type": "integer"
                    },
                    "count": {
                      "type": "integer"
                    }
                  }
                }
              },
              "passRates": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "name",
                    "passed",
                    "total"
                  ],
                  "properties": {
                    "name": {
                      "type": "string"
                    },
                    "component": {
                      "type": "string",
                      "nullable": true
                    },
                    "passed": {
                      "type": "integer"
                    },
                    "total": {
                      "type": "integer"
                    }
                  }
                }
              },
              "diagnoses": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "diagnosis",
                    "occurrences",
                    "students"
                  ],
                  "properties": {
                    "diagnosis": {
                      "type": "string"
                    },
                    "occurrences": {
                      "type": "integer"
                    },
                    "students": {
                      "type": "integer"
                    }
                  }
                }
              },
              "lateCount": {
                "type": "integer"
              },
              "missingStudents": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "StudentReport": {
        "type": "object",
        "required": [
          "report"
        ],
        "properties": {
          "report": {
            "type": "object",
            "required": [
              "student",
              "labs"
            ],
            "properties": {
              "student": {
                "type": "object",
                "description": "The student's roster record, without the token hash."
              },
              "labs": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "labID",
                    "title",
                    "submissions"
                  ],
                  "properties": {
                    "labID": {
                      "type": "string"
                    },
                    "title": {
                      "type": "string"
                    },
                    "submissions": {
                      "type": "integer"
                    },
                    "latestStatus": {
                      "type": "string",
                      "nullable": true
                    },
                    "countedSubmissionID": {
                      "type": "integer",
                      "nullable": true
                    },
                    "score": {
                      "type": "number",
                      "nullable": true
                    },
                    "maxScore": {
                      "type": "number",
                      "nullable": true
                    },
                    "late": {
                      "type": "boolean",
                      "nullable": true
                    }
                  }
                }
              }
            }
          }
        }
      },
      "GradesExport": {
        "type": "object",
        "required": [
          "lab",
          "rows"
        ],
        "properties": {
          "lab": {
            "type": "string"
          },
          "rows": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "studentID",
                "name",
                "submissions"
              ],
              "properties": {
                "studentID": {
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "email": {
                  "type": "string",
                  "nullable": true
                },
                "submissions": {
                  "type": "integer"
                },
                "score": {
                  "type": "number",
                  "nullable": true
                },
                "maxScore": {
                  "type": "number",
                  "nullable": true
                },
                "late": {
                  "type": "boolean",
                  "nullable": true
                },
                "submittedAt": {
                  "type": "string",
                  "format": "date-time",
                  "nullable": true
                },
                "submissionID": {
                  "type": "integer",
                  "nullable": true
                }
              }
            }
          },
          "counted": {
            "type": "array",
            "nullable": true,
            "items": {
              "type": "object",
              "required": [
                "studentID",
                "submission",
                "results"
              ],
              "properties": {
                "studentID": {
                  "type": "string"
                },
                "submission": {
                  "type": "object",
                  "description": "The counted submission's record."
                },
                "results": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "description": "One test result of its current grade."
                  }
                }
              }
            }
          }
        }
      },
      "RosterMember": {
        "type": "object",
        "required": [
          "id",
          "name",
          "pseudonym",
          "isInstructor",
          "hasToken"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "email": {
            "type": "string",
            "nullable": true
          },
          "pseudonym": {
            "type": "string"
          },
          "isInstructor": {
            "type": "boolean"
          },
          "hasToken": {
            "type": "boolean"
          }
        }
      },
      "NewStudent": {
        "type": "object",
        "required": [
          "id",
          "name"
        ],
        "properties": {
          "id": {
            "type": "string",
            "minLength": 1,
            "description": "No '/' and no leading '.'."
          },
          "name": {
            "type": "string",
            "minLength": 1
          },
          "email": {
            "type": "string",
            "nullable": true
          },
          "instructor": {
            "type": "boolean",
            "nullable": true
          },
          "update": {
            "type": "boolean",
            "nullable": true,
            "description": "True to change a student already on the roster; without it an existing id is a 409."
          }
        }
      },
      "StudentAdded": {
        "type": "object",
        "required": [
          "student"
        ],
        "properties": {
          "student": {
            "$ref": "#/components/schemas/RosterMember"
          },
          "token": {
            "type": "string",
            "nullable": true,
            "description": "For an instructor only; shown once."
          }
        }
      },
      "CheckReport": {
        "type": "object",
        "required": [
          "lab",
          "filename",
          "score",
          "maxScore",
          "tests",
          "seconds"
        ],
        "properties": {
          "lab": {
            "type": "string"
          },
          "filename": {
            "type": "string"
          },
          "score": {
            "type": "number"
          },
          "maxScore": {
            "type": "number"
          },
          "tests": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/TestFeedback"
            }
          },
          "seconds": {
            "type": "number"
          }
        }
      },
      "Labs": {
        "type": "object",
        "required": [
          "labs",
          "checkRateLimitPerHour"
        ],
        "properties": {
          "checkRateLimitPerHour": {
            "type": "integer"
          },
          "labs": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "title",
                "latePenalty",
                "counting"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "title": {
                  "type": "string"
                },
                "due": {
                  "type": "string",
                  "format": "date-time",
                  "nullable": true
                },
                "lateDue": {
                  "type": "string",
                  "format": "date-time",
                  "nullable": true
                },
                "latePenalty": {
                  "type": "number"
                },
                "counting": {
                  "type": "string",
                  "enum": [
                    "best",
                    "latest"
                  ]
                },
                "rateLimitPerHour": {
                  "type": "integer",
                  "nullable": true
                },
                "points": {
                  "type": "number",
                  "nullable": true
                },
                "visiblePoints": {
                  "type": "number",
                  "nullable": true
                },
                "tests": {
                  "type": "integer",
                  "nullable": true
                },
                "visibleTests": {
                  "type": "integer",
                  "nullable": true
                }
              }
            }
          }
        }
      }
    }
  }
}
"""#
}
