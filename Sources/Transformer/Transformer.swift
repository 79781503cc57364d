// The reference GPT-2 lives in this module: it knows nothing of grading.
