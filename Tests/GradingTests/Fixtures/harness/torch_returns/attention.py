"""Returns torch tensors from a NumPy lab's calls: read exactly, or refused with a message."""
import torch


def doubled(x):
    return torch.from_numpy(x) * 2


def as_bfloat16(x):
    return torch.from_numpy(x).to(torch.bfloat16)


def needs_grad(x):
    return torch.from_numpy(x).clone().requires_grad_()


def on_meta_device(x):
    return torch.empty(x.shape, device="meta")


def threads():
    return torch.get_num_threads()
