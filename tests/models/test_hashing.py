"""Greedy Hash layer and the packed code layout."""

from __future__ import annotations

import numpy as np
import torch

from scicbir.models.hashing import codes_to_bits, greedy_hash


def test_greedy_hash_forward_is_sign_and_backward_adds_gamma_term():
    u = torch.tensor([[-0.7, 0.0, 0.2, 1.5]], requires_grad=True)
    b = greedy_hash(u, gamma=0.5)
    assert b.tolist() == [[-1.0, 1.0, 1.0, 1.0]]
    grad_b = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    b.backward(grad_b)
    expected = grad_b + 0.5 * (u.detach() - b.detach())
    assert torch.allclose(u.grad, expected)


def test_packed_codes_are_msb_first():
    logits = np.array([[1, -1, -1, -1, -1, -1, -1, 2, -1, -1, -1, -1, -1, -1, -1, 0.0]])
    packed = codes_to_bits(logits)
    assert packed.dtype == np.uint8 and packed.tolist() == [[0b10000001, 0b00000001]]
