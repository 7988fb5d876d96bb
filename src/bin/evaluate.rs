//! Evaluates the embedded models on the MNIST test set, as the notebook does and more.
//!
//! `cargo run --release --bin evaluate` prints the classifier's accuracy and confusion matrix,
//! and for both matchers on the 5,000 test pairs a confusion matrix, a classification report,
//! ROC AUC, Brier score and ECE; it writes the same text and SVG reliability diagrams to `--out`.
#![cfg_attr(target_arch = "wasm32", no_main)] // a native command: nothing to build for the browser
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use burn::prelude::*;
use clap::Parser;
use digit_matcher::matcher::same_probability;
use digit_matcher::metrics::{ConfusionMatrix, Reliability, brier_score, classification_report, roc_auc};
use digit_matcher::mnist::{Mnist, pairs};
use digit_matcher::{train, weights};

#[derive(Parser, Debug)]
#[command(about = "Evaluate the embedded classifier and both matchers on MNIST's test set")]
struct Args {
    /// Folder with the four MNIST IDX files.
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Where to write report.txt and the reliability diagrams.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let test = Mnist::read(&args.data).context("reading MNIST (run scripts/fetch-mnist.sh)")?.test;
    let device = Device::flex();
    let (classifier, head) = weights::load(&device)?;
    std::fs::create_dir_all(&args.out)?;
    let mut report = String::new();

    let probs = train::softmax_rows(&train::logits(&classifier, &test, 0..test.len(), &device), 1.0);
    let (confidence, correct) = train::top_label(&probs, &test.labels);
    let predicted: Vec<usize> = train::argmax_rows(&probs).into_iter().map(|(digit, _)| digit).collect();
    let truth: Vec<usize> = test.labels.iter().map(|&l| usize::from(l)).collect();
    let cm = ConfusionMatrix::from_pairs(10, &truth, &predicted);
    let calibration = Reliability::new(&confidence, &correct, 15);
    calibration.write_svg(&args.out.join("reliability-classifier.svg"), "Classifier (top label), MNIST test")
        .map_err(anyhow::Error::from_boxed)?;
    writeln!(report, "# Classifier on {} test images", test.len())?;
    writeln!(report, "accuracy {:.2} %, top-label ECE (15 bins) {:.4}\n", 100.0 * cm.accuracy(), calibration.ece())?;
    writeln!(report, "{cm}")?;

    let pairs = pairs(&test.labels);
    let same: Vec<bool> = pairs.iter().map(|p| p.same).collect();
    writeln!(report, "# Matchers on {} test pairs ({} matching)\n", pairs.len(), same.iter().filter(|&&s| s).count())?;
    let (p1, p2, _) = train::pair_batch(&probs, &pairs, &device);
    let matchers = [
        ("formula", "Formula matcher Σ p¹ᵢ p²ᵢ", same_probability(p1.clone(), p2.clone())),
        ("dense", "Dense matcher", head.probability(p1, p2)),
    ];
    for (key, title, probability) in matchers {
        let probability: Vec<f32> = probability.into_data().iter::<f32>().collect();
        let verdict: Vec<usize> = probability.iter().map(|&p| usize::from(p >= 0.5)).collect();
        let cm = ConfusionMatrix::from_pairs(2, &same.iter().map(|&s| usize::from(s)).collect::<Vec<_>>(), &verdict);
        let calibration = Reliability::new(&probability, &same, 15);
        calibration.write_svg(&args.out.join(format!("reliability-{key}.svg")), &format!("{title}, MNIST test pairs"))
            .map_err(anyhow::Error::from_boxed)?;
        writeln!(report, "## {title}\n\nconfusion matrix (threshold 0.5):\n{cm}")?;
        writeln!(report, "{}", classification_report(&cm, &["different", "same"]))?;
        writeln!(
            report,
            "ROC AUC {:.4}, Brier score {:.4}, ECE (15 bins) {:.4}\n",
            roc_auc(&same, &probability),
            brier_score(&same, &probability),
            calibration.ece()
        )?;
    }

    print!("{report}");
    std::fs::write(args.out.join("report.txt"), &report)?;
    println!("wrote {}", args.out.display());
    Ok(())
}

