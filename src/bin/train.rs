//! Trains the classifier and the dense matcher on MNIST and writes the weights to embed.
//!
//! `cargo run --release --bin train -- --seed 1` (data from `scripts/fetch-mnist.sh`).
#![cfg_attr(target_arch = "wasm32", no_main)] // a native command: nothing to build for the browser
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use burn::prelude::*;
use clap::Parser;
use digit_matcher::augment::Augmentation;
use digit_matcher::metrics::Reliability;
use digit_matcher::mnist::{Mnist, pairs};
use digit_matcher::model::{Classifier, MatchHead};
use digit_matcher::train::{self, ClassifierTraining, HeadTraining};
use digit_matcher::weights;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser, Debug)]
#[command(about = "Train the digit classifier and the dense matcher on MNIST (CPU)")]
struct Args {
    /// Seed of initialisation, shuffling, augmentation and dropout.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Epochs of classifier training.
    #[arg(long, default_value_t = 8)]
    epochs: usize,
    /// Images per classifier batch.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Peak learning rate (cosine decay to zero).
    #[arg(long, default_value_t = 3e-3)]
    learning_rate: f64,
    /// Training images held out for the temperature fit.
    #[arg(long, default_value_t = 5000)]
    holdout: usize,
    /// Stop each epoch after this many batches (quick trial runs).
    #[arg(long)]
    max_batches: Option<usize>,
    /// Folder with the four MNIST IDX files.
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Where to write classifier.bpk, head.bpk and training.json.
    #[arg(long, default_value = "weights")]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let mnist = Mnist::read(&args.data).context("reading MNIST (run scripts/fetch-mnist.sh)")?;
    let device = Device::flex();
    std::fs::create_dir_all(&args.out)?;

    // 1. The classifier, with augmentation, on all but the held-out training images.
    let config = ClassifierTraining {
        seed: args.seed,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.learning_rate,
        holdout: args.holdout,
        max_batches: args.max_batches,
        augmentation: Augmentation::default(),
    };
    let bar = ProgressBar::new(0).with_style(ProgressStyle::with_template(
        "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} batches, eta {eta}",
    )?);
    bar.set_prefix("classifier");
    let trained = train::train_classifier(&mnist.train, &config, &device, &bar, |epoch, s| {
        bar.suspend(|| println!("epoch {:>2}: loss {:.4}, train accuracy {:.2} %", epoch + 1, s.loss, 100.0 * s.accuracy));
    });
    bar.finish();

    // 2. Temperature on the held-out images; then fold batch norm and temperature in.
    let n = mnist.train.len();
    let holdout = n - args.holdout..n;
    let logits = train::logits(&trained, &mnist.train, holdout.clone(), &device);
    let labels = &mnist.train.labels[holdout];
    let temperature = train::fit_temperature(&logits, labels);
    let ece = |t: f32| {
        let probs = train::softmax_rows(&logits, t);
        let (confidence, correct) = train::top_label(&probs, labels);
        Reliability::new(&confidence, &correct, 15).ece()
    };
    let (ece_before, ece_after) = (ece(1.0), ece(temperature));
    let holdout_accuracy = train::accuracy(&logits, labels);
    println!(
        "held out: accuracy {:.2} %, temperature {temperature:.3}, ECE (15 bins) {:.4} → {:.4}",
        100.0 * holdout_accuracy,
        ece_before,
        ece_after
    );
    let parameters = trained.num_params();

    let classifier_path = args.out.join("classifier.bpk");
    weights::save(&trained.fold(temperature), &classifier_path)?;
    // Continue with the stored (half-precision) weights: exactly what the app will run.
    let classifier = weights::read(Classifier::new(false, &device), &classifier_path)?;
    let test_logits = train::logits(&classifier, &mnist.test, 0..mnist.test.len(), &device);
    let test_accuracy = train::accuracy(&test_logits, &mnist.test.labels);
    println!("test accuracy (stored weights): {:.2} %", 100.0 * test_accuracy);

    // 3. The dense head on the frozen classifier's probabilities of the training pairs.
    let train_pairs = pairs(&mnist.train.labels);
    let test_pairs = pairs(&mnist.test.labels);
    let count_same = |p: &[digit_matcher::mnist::Pair]| p.iter().filter(|p| p.same).count();
    println!(
        "pairs: train {} ({} matching), test {} ({} matching)",
        train_pairs.len(),
        count_same(&train_pairs),
        test_pairs.len(),
        count_same(&test_pairs)
    );
    let probs = train::softmax_rows(&train::logits(&classifier, &mnist.train, 0..n, &device), 1.0);
    let head_config = HeadTraining { seed: args.seed, epochs: 5, batches: 400, batch_size: 32, learning_rate: 1e-3 };
    let head = train::train_head(&probs, &train_pairs, &head_config, &device, |epoch, s| {
        println!("head epoch {}: loss {:.4}, accuracy {:.2} %", epoch + 1, s.loss, 100.0 * s.accuracy);
    });
    weights::save(&head, &args.out.join("head.bpk"))?;

    let seconds = started.elapsed().as_secs_f64();
    let summary = serde_json::json!({
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "max_batches": args.max_batches,
        "parameters_training": parameters,
        "parameters_deployed": classifier.num_params(),
        "head_parameters": MatchHead::new(&device).num_params(),
        "temperature": temperature,
        "holdout_accuracy": holdout_accuracy,
        "ece_before": ece_before,
        "ece_after": ece_after,
        "test_accuracy": test_accuracy,
        "train_pairs_matching": count_same(&train_pairs),
        "test_pairs_matching": count_same(&test_pairs),
        "wall_seconds": seconds,
    });
    std::fs::write(args.out.join("training.json"), serde_json::to_string_pretty(&summary)? + "\n")?;
    println!("wrote {} in {:.0} s ({:.1} min)", args.out.display(), seconds, seconds / 60.0);
    Ok(())
}

