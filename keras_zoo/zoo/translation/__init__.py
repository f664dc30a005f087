"""Sequence-to-sequence: an LSTM/GRU encoder-decoder with Bahdanau or Luong attention.

``seq2seq(sources, targets, ...)`` returns a compiled :class:`Seq2Seq`, a ``keras.Model`` that
reads raw source texts and writes target texts:

* **Text in, text out.** Two ``TextVectorization`` layers inside the model turn characters (or
  words) into ids, so ``model.fit(sources, targets)``, ``kz.zoo.fit(model, sources, targets)``,
  ``model.evaluate`` and a Keras Tuner trial all take the texts themselves, and a saved model
  translates raw text. Token 0 is padding, 1 ``[UNK]`` (any source token outside the vocabulary:
  the documented out-of-vocabulary token; ``translate(..., unknown="error")`` refuses such texts
  instead), 2 ``[START]`` and 3 ``[END]``.
* **Teacher forcing.** Training feeds the decoder the true previous token; the loss is the
  cross-entropy of every target token plus ``[END]``, averaged over real (unpadded) tokens, and
  ``accuracy`` is token accuracy. ``sequence_accuracy`` is the share of targets whose every token
  is right under teacher forcing (close to the exact match of ``translate`` once trained).
* **Attention** (``attention=``): ``"bahdanau"`` (additive, ``v . tanh(W_q q + W_k k)``),
  ``"luong"`` (multiplicative, ``q . W k``, Luong's "general"), ``"luong_dot"`` (``q . k``) or
  ``None`` (the classic encoder-decoder: the decoder only sees the encoder's final state). The
  decoder LSTM/GRU runs over the target, attention looks at every encoder output for every
  decoder step, and ``tanh(W [context; decoder state])`` feeds the softmax (Luong et al.'s
  architecture, with either score). This keeps teacher-forced training one pass over each
  sequence instead of a step-by-step loop.
* **Decoding.** ``translate(texts)`` decodes greedily (``beam_width=1``) or with beam search
  (``beam_width=k``, hypotheses ranked by log-probability divided by the GNMT length penalty
  ``((5 + length) / 6) ** length_penalty``). ``model.predict(texts)`` returns the greedy
  decoder's probabilities, shape ``(samples, max_target_length + 1, target_vocabulary_size)``.
* **Attention maps.** ``attention(text)`` returns the weights of each output token over the
  source tokens (rows sum to 1) as an :class:`AttentionMap` with a ``plot()`` method.
* **Saving.** ``model.save("m.keras")`` (one file) or ``model.save("m_dir", zipped=False)`` (one
  folder); ``keras.saving.load_model`` (safe mode, after ``import keras_zoo``) returns a
  ``Seq2Seq`` that translates identically. Inference reuses the trained layers by name (the
  decoder's own cell steps through time); nothing is rebuilt by list position.
* **Bad input fails early.** Empty texts, values that are not text, different numbers of sources
  and targets, and targets longer than ``max_target_length`` tokens raise ``ValueError`` in
  ``fit``, ``evaluate`` and ``kz.zoo.fit`` before any training; ``translate`` refuses empty
  sources (and, with ``unknown="error"``, tokens outside the source vocabulary). Sources have no
  length limit; a translation that runs the decoder's ``max_target_length + 1`` steps without
  ``[END]`` is cut there and logged as a warning.
* Gradients are clipped by default (``global_clipnorm=1.0``), as for the recurrent family, and
  Adam's learning rate defaults to 3e-3 (measured: about half the epochs of Keras' 1e-3).
"""

from keras_zoo.zoo.translation.attention_map import AttentionMap
from keras_zoo.zoo.translation.factory import seq2seq
from keras_zoo.zoo.translation.metrics import SequenceAccuracy
from keras_zoo.zoo.translation.model import Seq2Seq, canonical_attention

__all__ = ["AttentionMap", "Seq2Seq", "SequenceAccuracy", "canonical_attention", "seq2seq"]
