// The GPT-2 byte-level BPE tokenizer lives in this module (see BPE.swift).
