// Grading: cases, references, comparison, the mistake catalogue, diagnosis, scoring and feedback;
// the lab as lab.toml gives it is LabConfig, the sandbox that runs student code is Harness.
