"""The offline demo: a small Inception-style network trained by our own code on our own stimuli.

`train.py` makes the data and trains; the trained fp16 weights and their training record ship in `weights/`,
and the zoo entry `demo-inception` (`precompute.zoo.demo_net`) loads them.
"""
