// Grading: labs, cases, the sandboxed harness, comparison, diagnosis, scoring and feedback.
