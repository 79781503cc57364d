// Quantization: fp16/bf16, int8, Q8_0/Q4_0 weights; quantized matmul and decoding.
