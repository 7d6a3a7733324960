"""A character-level text encoder (char-CNN + GRU, after Reed et al. 2016's char-CNN-RNN) whose tokenizer is
TensorFlow string ops, so it runs inside a SavedModel: a served model takes plain `tf.string` sentences.

* `tokenize(sentences, max_length)`: lower-case (ASCII), UTF-8 code points, each mapped through a constant table to
  an id of `VOCABULARY` (0 pads, 1 is any other character), padded or cut to `max_length`. Only graph ops
  (`StringLower`, `UnicodeDecode`, `GatherV2`, ragged-to-dense): no lookup-table resources, so it exports as is.
  TFLite's builtin op set has no string ops (a TFLite model would need `SELECT_TF_OPS` for them), so the zoo converts
  only the image generator from embeddings to TFLite.
* `build_text_encoder(embedding_dim, ...)`: ids `[B, L]` → embedding `[B, D]`: character embedding, two
  Conv1D + max-pool blocks, a GRU, a dense projection.
* `load_digit_text_encoder()`: the encoder shipped with the zoo, trained on the captioned digits
  (`tfgan_zoo.data.digit_captions`) with the deep symmetric structured joint embedding loss against a small image
  encoder (`tfgan_zoo.training.train_text_encoder`).

>>> ids = tokenize(["A thick 7"], 12)
>>> [int(i) for i in ids[0]]
[2, 28, 21, 9, 10, 4, 12, 28, 36, 0, 0, 0]
"""

from __future__ import annotations

import functools
import json
import os

import keras
import numpy as np
import tensorflow as tf

#: the characters the encoder knows (ids 2...); 0 pads, 1 is any other character.
VOCABULARY = "abcdefghijklmnopqrstuvwxyz 0123456789,.'-"
VOCABULARY_SIZE = len(VOCABULARY) + 2
ASSET_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "evaluation", "assets")
DIGIT_ENCODER = "digit_captions_text_encoder"


def _table():
    table = np.ones(128, np.int32)
    for i, ch in enumerate(VOCABULARY):
        table[ord(ch)] = i + 2
    return table


_TABLE = _table()


def tokenize(sentences, max_length: int = 64):
    """`[B]` strings (a Python list or a `tf.string` tensor) → int32 ids `[B, max_length]`, inside any graph."""
    sentences = tf.convert_to_tensor(sentences, tf.string)
    codes = tf.strings.unicode_decode(tf.strings.lower(sentences), "UTF-8", errors="replace")
    ids = tf.where(codes < 128, tf.gather(tf.constant(_TABLE), tf.clip_by_value(codes, 0, 127)), 1)
    return ids.to_tensor(default_value=0, shape=[None, max_length])


def build_text_encoder(embedding_dim=128, max_length=64, char_dim=32, filters=64, units=96,
                       name="text_encoder") -> keras.Model:
    """ids `[B, max_length]` → text embedding `[B, embedding_dim]`."""
    ids = keras.Input((max_length,), dtype="int32", name="ids")
    x = keras.layers.Embedding(VOCABULARY_SIZE, char_dim, name="chars")(ids)
    for i in range(2):
        x = keras.layers.Conv1D(filters, 4, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = keras.layers.MaxPooling1D(2, name=f"pool{i + 1}")(x)
    x = keras.layers.GRU(units, name="gru")(x)
    out = keras.layers.Dense(embedding_dim, name="projection")(x)
    return keras.Model(ids, out, name=name)


def encode(encoder, sentences, batch_size=256) -> np.ndarray:
    """Embeddings `[N, D]` (numpy) of a list of sentences."""
    sentences = [sentences] if isinstance(sentences, str) else list(sentences)
    if not sentences or not all(isinstance(s, str) for s in sentences):
        raise ValueError(f"encode() takes a non-empty list of strings; got {sentences!r:.80}.")
    length = int(encoder.input_shape[1])
    outs = [np.asarray(encoder(tokenize(sentences[i : i + batch_size], length), training=False))
            for i in range(0, len(sentences), batch_size)]
    return np.concatenate(outs).astype(np.float32)


def encoder_config(name=DIGIT_ENCODER) -> dict:
    path = os.path.join(ASSET_DIR, f"{name}.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No shipped text encoder {name!r} ({path}); train it with "
                                "`python -m tfgan_zoo.training.train_text_encoder`.")
    with open(path) as f:
        return json.load(f)


def build_shipped_text_encoder(name=DIGIT_ENCODER, load_weights=True) -> keras.Model:
    """The shipped encoder `name`, non-trainable (its weights loaded from the package assets)."""
    config = encoder_config(name)
    encoder = build_text_encoder(**config["architecture"])
    if load_weights:
        encoder.load_weights(os.path.join(ASSET_DIR, f"{name}.weights.h5"))
    encoder.trainable = False
    return encoder


@functools.lru_cache(maxsize=2)
def load_digit_text_encoder(name=DIGIT_ENCODER) -> keras.Model:
    """The shipped digit-caption encoder (cached per process)."""
    return build_shipped_text_encoder(name)
