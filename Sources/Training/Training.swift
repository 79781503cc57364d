// Training: backward pass, AdamW, schedules, the training loop and LoRA on the reference GPT-2.
