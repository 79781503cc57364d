// Grading tests.
