// Training: backward pass, AdamW, schedules, the training loop and LoRA on the reference GPT-2.
// Shape legend for the whole module: B sequences, T time, N = B·T rows, C channels, H heads,
// hs = C / H, V vocabulary, P positions, r LoRA rank. Forward beside backward, one concept a file.
