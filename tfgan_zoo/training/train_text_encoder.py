"""Trains the shipped digit-caption text encoder with the deep symmetric structured joint embedding loss.

Reed et al. 2016 ("Learning Deep Representations of Fine-Grained Visual Descriptions") train a text encoder φ and
an image encoder θ so that the compatibility F(v, t) = θ(v) · φ(t) ranks matching pairs first, in both directions:

    L = mean_n [ mean_{t incompatible with v_n} max(0, 1 + F(v_n, t) − F(v_n, t_n))
               + mean_{v incompatible with t_n} max(0, 1 + F(v, t_n) − F(v_n, t_n)) ]

(the paper's structured hinge takes the hardest wrong class; over a minibatch of single captions the hardest
negative stalled at chance for the first thousand steps here, so each side averages the hinge over its negatives).

The paper's "incompatible" is "of another class"; a digit caption states some properties and not others, so here an
image is incompatible with a caption when it contradicts something the caption states (`digit_captions.compatible`).

Run `python -m tfgan_zoo.training.train_text_encoder --steps 3000` to rebuild the asset; it prints the held-out
retrieval accuracy: for each test caption, the image it was written for among itself and 9 test images the caption
does not describe (chance 0.1).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.data import digit_captions as dc
from tfgan_zoo.layers import text_encoder as te


def build_image_encoder(image_size=32, embedding_dim=128, filters=32, name="image_encoder"):
    x_in = keras.Input((image_size, image_size, 1), name="images")
    x = x_in
    for i, f in enumerate((filters, 2 * filters, 4 * filters)):
        x = keras.layers.Conv2D(f, 4, strides=2, padding="same", name=f"conv{i + 1}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(x_in, keras.layers.Dense(embedding_dim, name="projection")(x), name=name)


def ds_sje_loss(image_emb, text_emb, compatible_mask, margin=1.0):
    """The symmetric structured hinge loss over a batch of matching pairs; `compatible_mask[i, j]`: caption i
    describes image j (the diagonal is True)."""
    scores = tf.matmul(image_emb, text_emb, transpose_b=True)  # [image, caption]
    match = tf.linalg.diag_part(scores)
    negative = tf.cast(tf.logical_not(tf.transpose(compatible_mask)), scores.dtype)  # [image, caption]
    image_side = tf.nn.relu(margin + scores - match[:, None]) * negative  # wrong captions of each image
    text_side = tf.nn.relu(margin + scores - match[None, :]) * negative  # wrong images of each caption
    per_image = tf.reduce_sum(image_side, 1) / tf.maximum(tf.reduce_sum(negative, 1), 1.0)
    per_caption = tf.reduce_sum(text_side, 0) / tf.maximum(tf.reduce_sum(negative, 0), 1.0)
    return tf.reduce_mean(per_image + per_caption)


def retrieval_accuracy(encoder, image_encoder, split="test", candidates=10, seed=0):
    """Top-1 accuracy of caption → image among the captioned image and `candidates - 1` images the caption does
    not describe (chance `1 / candidates`)."""
    images, digits, levels, texts, mentions = dc.load_digit_captions(32, 1, split)
    rng = np.random.default_rng(seed)
    props = dc.property_matrix(digits, levels)
    flat_texts = [t for row in texts for t in row]
    flat_mentions = dc.mention_matrix([m for row in mentions for m in row])
    owner = np.repeat(np.arange(len(images)), len(texts[0]))
    t_emb = te.encode(encoder, flat_texts)
    v_emb = np.asarray(image_encoder.predict(images, verbose=0, batch_size=256))
    compat = dc.compatible(flat_mentions, props)
    hits = 0
    for i in range(len(flat_texts)):
        others = np.flatnonzero(~compat[i])
        pool = np.concatenate([[owner[i]], rng.choice(others, candidates - 1, replace=False)])
        hits += int(np.argmax(v_emb[pool] @ t_emb[i]) == 0)
    return hits / len(flat_texts)


def train(steps=3000, batch_size=64, embedding_dim=128, learning_rate=1e-3, seed=0, verbose=True):
    keras.utils.set_random_seed(seed)
    images, digits, levels, texts, mentions = dc.load_digit_captions(32, 1, "train")
    props = dc.property_matrix(digits, levels)
    k = len(texts[0])
    flat_texts = np.asarray([t for row in texts for t in row])
    flat_mentions = dc.mention_matrix([m for row in mentions for m in row])
    architecture = {"embedding_dim": embedding_dim, "max_length": 64}
    encoder = te.build_text_encoder(**architecture)
    image_encoder = build_image_encoder(32, embedding_dim)
    ids = te.tokenize(list(flat_texts), architecture["max_length"]).numpy()
    variables = encoder.trainable_variables + image_encoder.trainable_variables
    opt = keras.optimizers.Adam(learning_rate)

    @tf.function
    def step(x, t, mask):
        with tf.GradientTape() as tape:
            loss = ds_sje_loss(image_encoder(x, training=True), encoder(t, training=True), mask)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    rng = np.random.default_rng(seed)
    start, losses = time.perf_counter(), []
    for s in range(steps):
        rows = rng.choice(len(images), batch_size, replace=False)
        caps = rows * k + rng.integers(k, size=batch_size)
        mask = dc.compatible(flat_mentions[caps], props[rows])
        losses.append(float(step(images[rows], ids[caps], mask)))
        if verbose and (s + 1) % 250 == 0:
            print(f"step {s + 1}: loss {np.mean(losses[-250:]):.4f} ({time.perf_counter() - start:.0f} s)", flush=True)
    return encoder, image_encoder, architecture, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--embedding_dim", type=int, default=128)
    parser.add_argument("--out", default=te.ASSET_DIR)
    args = parser.parse_args(argv)
    encoder, image_encoder, architecture, seconds = train(args.steps, args.batch_size, args.embedding_dim)
    accuracy = retrieval_accuracy(encoder, image_encoder, "test")
    train_accuracy = retrieval_accuracy(encoder, image_encoder, "train")
    print(f"held-out caption -> image top-1 among 10: {accuracy:.3f} (train {train_accuracy:.3f}; chance 0.100)")
    os.makedirs(args.out, exist_ok=True)
    encoder.save_weights(os.path.join(args.out, f"{te.DIGIT_ENCODER}.weights.h5"))
    with open(os.path.join(args.out, f"{te.DIGIT_ENCODER}.json"), "w") as f:
        json.dump({"architecture": architecture, "steps": args.steps, "batch_size": args.batch_size,
                   "loss": "deep symmetric structured joint embedding (Reed et al. 2016)",
                   "train_seconds": round(seconds, 1),
                   "retrieval_top1_among_10": {"test": round(accuracy, 4), "train": round(train_accuracy, 4),
                                               "chance": 0.1}}, f, indent=2)


if __name__ == "__main__":
    main()
