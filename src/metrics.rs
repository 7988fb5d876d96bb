//! Evaluation metrics: confusion matrix and classification report, ROC AUC, Brier score,
//! and reliability (calibration) with its expected calibration error and SVG diagram.

use std::fmt;
use std::path::Path;

use plotters::prelude::*;

/// Counts of (true class, predicted class) pairs: `counts[t][p]`, rows are true classes,
/// columns predicted.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    classes: usize,
    /// Row-major `classes × classes`.
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An all-zero matrix over `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// The matrix of `truth[i]` against `predicted[i]`.
    ///
    /// # Panics
    /// If the slices differ in length or hold a class `>= classes`.
    pub fn from_pairs(classes: usize, truth: &[usize], predicted: &[usize]) -> Self {
        assert_eq!(
            truth.len(),
            predicted.len(),
            "truth and predictions differ in length"
        );
        let mut cm = Self::new(classes);
        for (&t, &p) in truth.iter().zip(predicted) {
            cm.add(t, p);
        }
        cm
    }

    /// Counts one sample.
    ///
    /// # Panics
    /// If either class is `>= classes`.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        let i = self.index(truth, predicted);
        self.counts[i] += 1;
    }

    /// How many samples of class `truth` were predicted as `predicted`.
    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        self.counts[self.index(truth, predicted)]
    }

    /// Fraction of samples on the diagonal; NaN when empty.
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.classes).map(|c| self.count(c, c)).sum();
        correct as f64 / self.total() as f64
    }

    /// Number of samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn index(&self, truth: usize, predicted: usize) -> usize {
        assert!(
            truth < self.classes && predicted < self.classes,
            "class ({truth}, {predicted}) out of range for {} classes",
            self.classes
        );
        truth * self.classes + predicted
    }

    /// Samples of class `class` (the row sum).
    fn support(&self, class: usize) -> u64 {
        (0..self.classes).map(|p| self.count(class, p)).sum()
    }

    /// Samples predicted as `class` (the column sum).
    fn predicted(&self, class: usize) -> u64 {
        (0..self.classes).map(|t| self.count(t, class)).sum()
    }
}

impl fmt::Display for ConfusionMatrix {
    /// A right-aligned grid: true classes down, predicted classes across.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CORNER: &str = "true\\pred";
        let cell = self
            .counts
            .iter()
            .map(|c| c.to_string().len())
            .chain([self.classes.saturating_sub(1).to_string().len()])
            .max()
            .unwrap_or(1);
        let label = CORNER.len().max(cell);
        write!(f, "{CORNER:>label$}")?;
        for p in 0..self.classes {
            write!(f, " {p:>cell$}")?;
        }
        writeln!(f)?;
        for t in 0..self.classes {
            write!(f, "{t:>label$}")?;
            for p in 0..self.classes {
                write!(f, " {:>cell$}", self.count(t, p))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The text `sklearn.metrics.classification_report(..., target_names=names, digits=2)` prints:
/// per class precision, recall, f1-score and support, then accuracy, macro avg and weighted avg.
/// A ratio with a zero denominator counts as 0, as sklearn's default `zero_division` does.
///
/// # Panics
/// If `names` does not name every class.
pub fn classification_report(cm: &ConfusionMatrix, names: &[&str]) -> String {
    assert_eq!(names.len(), cm.classes, "one name per class");
    const LAST_HEADING: &str = "weighted avg";
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .fold(LAST_HEADING.len(), usize::max);
    let row = |heading: &str, [precision, recall, f1]: [f64; 3], support: u64| {
        format!("{heading:>width$}  {precision:>9.2} {recall:>9.2} {f1:>9.2} {support:>9}\n")
    };

    let scores: Vec<[f64; 3]> = (0..cm.classes).map(|c| class_scores(cm, c)).collect();
    let supports: Vec<u64> = (0..cm.classes).map(|c| cm.support(c)).collect();
    let total = cm.total();
    let average = |weight: &dyn Fn(usize) -> f64| -> [f64; 3] {
        let weights: f64 = (0..cm.classes).map(weight).sum();
        std::array::from_fn(|k| {
            (0..cm.classes)
                .map(|c| weight(c) * scores[c][k])
                .sum::<f64>()
                / weights
        })
    };

    let mut report = format!(
        "{:>width$}  {:>9} {:>9} {:>9} {:>9}\n\n",
        "", "precision", "recall", "f1-score", "support"
    );
    for (c, name) in names.iter().enumerate() {
        report += &row(name, scores[c], supports[c]);
    }
    report += &format!(
        "\n{:>width$}  {:>9} {:>9} {:>9.2} {total:>9}\n",
        "accuracy",
        "",
        "",
        cm.accuracy()
    );
    report += &row("macro avg", average(&|_| 1.0), total);
    report += &row(LAST_HEADING, average(&|c| supports[c] as f64), total);
    report
}

/// Precision, recall and F1 of one class.
fn class_scores(cm: &ConfusionMatrix, class: usize) -> [f64; 3] {
    let ratio = |num: u64, den: u64| {
        if den == 0 {
            0.0
        } else {
            num as f64 / den as f64
        }
    };
    let hits = cm.count(class, class);
    let (predicted, support) = (cm.predicted(class), cm.support(class));
    [
        ratio(hits, predicted),
        ratio(hits, support),
        ratio(2 * hits, predicted + support),
    ]
}

/// ROC AUC of `scores` for binary `labels`: the Mann–Whitney U statistic with average ranks
/// for ties, over the number of (positive, negative) pairs. NaN if either class is absent.
///
/// # Panics
/// If the slices differ in length.
pub fn roc_auc(labels: &[bool], scores: &[f32]) -> f64 {
    assert_eq!(
        labels.len(),
        scores.len(),
        "labels and scores differ in length"
    );
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut positive_rank_sum = 0.0;
    let mut below = 0;
    for tied in order.chunk_by(|&a, &b| scores[a] == scores[b]) {
        // Ranks below+1 ..= below+len, averaged.
        let rank = below as f64 + (tied.len() as f64 + 1.0) / 2.0;
        positive_rank_sum += rank * tied.iter().filter(|&&i| labels[i]).count() as f64;
        below += tied.len();
    }
    let u = positive_rank_sum - (positives * (positives + 1)) as f64 / 2.0;
    u / (positives as f64 * negatives as f64)
}

/// Mean squared difference between probabilities and 0/1 outcomes; NaN when empty.
///
/// # Panics
/// If the slices differ in length.
pub fn brier_score(labels: &[bool], probs: &[f32]) -> f64 {
    assert_eq!(
        labels.len(),
        probs.len(),
        "labels and probabilities differ in length"
    );
    let squared: f64 = labels
        .iter()
        .zip(probs)
        .map(|(&l, &p)| (f64::from(p) - f64::from(u8::from(l))).powi(2))
        .sum();
    squared / labels.len() as f64
}

/// Predicted probability against observed frequency, in equal-width bins over [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Reliability {
    pub bins: Vec<ReliabilityBin>,
}

/// One bin of a [`Reliability`]; the means are NaN when the bin is empty.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityBin {
    pub count: usize,
    pub mean_predicted: f64,
    pub observed: f64,
}

impl Reliability {
    /// Bins `predicted[i]` with its `outcome[i]`: value v goes to bin `min(floor(v·bins), bins−1)`
    /// (values below 0 to the first).
    ///
    /// # Panics
    /// If `bins` is 0 or the slices differ in length.
    pub fn new(predicted: &[f32], outcome: &[bool], bins: usize) -> Self {
        assert!(bins > 0, "at least one bin");
        assert_eq!(
            predicted.len(),
            outcome.len(),
            "predictions and outcomes differ in length"
        );
        let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
        for (&p, &o) in predicted.iter().zip(outcome) {
            // `as` saturates: negative values and NaN land in bin 0.
            let bin = ((f64::from(p) * bins as f64).floor() as usize).min(bins - 1);
            let (count, predicted_sum, events) = &mut sums[bin];
            *count += 1;
            *predicted_sum += f64::from(p);
            *events += usize::from(o);
        }
        let bins = sums
            .into_iter()
            .map(|(count, predicted_sum, events)| ReliabilityBin {
                count,
                mean_predicted: predicted_sum / count as f64,
                observed: events as f64 / count as f64,
            })
            .collect();
        Self { bins }
    }

    /// Expected calibration error: Σ count/N · |observed − mean_predicted|; NaN when empty.
    pub fn ece(&self) -> f64 {
        let total: usize = self.bins.iter().map(|b| b.count).sum();
        let weighted: f64 = self
            .non_empty()
            .map(|b| b.count as f64 * (b.observed - b.mean_predicted).abs())
            .sum();
        weighted / total as f64
    }

    /// Writes an SVG reliability diagram to `path`: the diagonal of perfect calibration and
    /// observed frequency against mean predicted probability for each non-empty bin.
    pub fn write_svg(&self, path: &Path, title: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let root = SVGBackend::new(path, (640, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("mean predicted probability")
            .y_desc("observed frequency")
            .draw()?;

        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.4)))?
            .label("perfectly calibrated")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.mix(0.4)));
        let points: Vec<(f64, f64)> = self
            .non_empty()
            .map(|b| (b.mean_predicted, b.observed))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                BLUE.stroke_width(2),
            ))?
            .label("observed")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart.draw_series(PointSeries::of_element(
            points,
            4,
            BLUE.filled(),
            &|c, s, st| Circle::new(c, s, st),
        ))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    }

    fn non_empty(&self) -> impl Iterator<Item = &ReliabilityBin> {
        self.bins.iter().filter(|b| b.count > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_near(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} vs {expected}");
    }

    #[test]
    fn confusion_matrix_counts_and_accuracy() {
        let cm = ConfusionMatrix::from_pairs(3, &[0, 1, 2, 2, 2, 1], &[0, 2, 2, 2, 1, 2]);
        assert_eq!(cm.total(), 6);
        assert_eq!(cm.count(2, 2), 2);
        assert_eq!(cm.count(1, 2), 2);
        assert_eq!(cm.count(2, 1), 1);
        assert_eq!(cm.count(1, 1), 0);
        assert_near(cm.accuracy(), 0.5);

        let mut built = ConfusionMatrix::new(3);
        for (t, p) in [(0, 0), (1, 2), (2, 2), (2, 2), (2, 1), (1, 2)] {
            built.add(t, p);
        }
        assert_eq!(built, cm);
    }

    #[test]
    fn empty_confusion_matrix_has_no_accuracy() {
        assert!(ConfusionMatrix::new(2).accuracy().is_nan());
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn confusion_matrix_rejects_unknown_classes() {
        ConfusionMatrix::new(2).add(0, 2);
    }

    #[test]
    fn confusion_matrix_displays_an_aligned_grid() {
        let mut cm = ConfusionMatrix::from_pairs(3, &[0, 1, 2, 2, 2, 1], &[0, 2, 2, 2, 1, 2]);
        for _ in 0..10 {
            cm.add(0, 0);
        }
        let expected = "\
true\\pred  0  1  2
        0 11  0  0
        1  0  0  2
        2  0  1  2
";
        assert_eq!(cm.to_string(), expected);
    }

    #[test]
    fn classification_report_matches_sklearn_binary() {
        // sklearn: classification_report([0,0,0,0,0,0,1,1,1,1], [0,0,0,0,1,1,1,1,1,0],
        //                                 target_names=["different", "same"])
        // different: P 4/5, R 4/6, F1 8/11; same: P 3/5, R 3/4, F1 6/9; accuracy 7/10;
        // macro (0.70, 0.7083, 0.6970); weighted by support 6:4 (0.72, 0.70, 0.7030).
        let cm = ConfusionMatrix::from_pairs(
            2,
            &[0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
            &[0, 0, 0, 0, 1, 1, 1, 1, 1, 0],
        );
        let expected = "              precision    recall  f1-score   support

   different       0.80      0.67      0.73         6
        same       0.60      0.75      0.67         4

    accuracy                           0.70        10
   macro avg       0.70      0.71      0.70        10
weighted avg       0.72      0.70      0.70        10
";
        assert_eq!(classification_report(&cm, &["different", "same"]), expected);
    }

    #[test]
    fn classification_report_matches_sklearn_with_an_unpredicted_class() {
        // Class "one" is never predicted correctly: its precision 0/1 and F1 0 count as zero.
        let cm = ConfusionMatrix::from_pairs(3, &[0, 1, 2, 2, 2, 1], &[0, 2, 2, 2, 1, 2]);
        let expected = "              precision    recall  f1-score   support

        zero       1.00      1.00      1.00         1
         one       0.00      0.00      0.00         2
         two       0.50      0.67      0.57         3

    accuracy                           0.50         6
   macro avg       0.50      0.56      0.52         6
weighted avg       0.42      0.50      0.45         6
";
        assert_eq!(
            classification_report(&cm, &["zero", "one", "two"]),
            expected
        );
    }

    #[test]
    fn classification_report_widens_for_long_names() {
        let cm = ConfusionMatrix::from_pairs(2, &[0, 1], &[0, 1]);
        let report = classification_report(&cm, &["a very long name", "b"]);
        assert!(report.contains("\na very long name       1.00      1.00      1.00         1\n"));
        assert!(report.contains("\n               b       1.00"));
    }

    #[test]
    fn roc_auc_of_separated_tied_and_mixed_scores() {
        assert_near(
            roc_auc(&[false, true, false, true], &[0.1, 0.9, 0.3, 0.4]),
            1.0,
        );
        assert_near(
            roc_auc(&[false, true, false, true], &[0.9, 0.1, 0.8, 0.4]),
            0.0,
        );
        assert_near(roc_auc(&[false, true, true, false], &[0.5; 4]), 0.5);
        // Sorted: 0.1 (−) r1, 0.2 (−) r2, 0.4 (−, +, +) r4 each, 0.8 (+) r6.
        // U = 4 + 4 + 6 − 3·4/2 = 8 of 3·3 pairs (sklearn: 0.8888…).
        let labels = [false, false, true, true, true, false];
        assert_near(roc_auc(&labels, &[0.1, 0.4, 0.4, 0.8, 0.4, 0.2]), 8.0 / 9.0);
    }

    #[test]
    fn roc_auc_is_nan_with_one_class() {
        assert!(roc_auc(&[true, true], &[0.2, 0.7]).is_nan());
        assert!(roc_auc(&[false], &[0.2]).is_nan());
    }

    #[test]
    fn brier_score_is_the_mean_squared_error() {
        // (0.1² + 0.1² + 0.4² + 0.3²) / 4
        let score = brier_score(&[false, true, true, false], &[0.1, 0.9, 0.6, 0.3]);
        assert!((score - 0.0675).abs() < 1e-7, "{score}");
        assert_near(brier_score(&[true, false], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn reliability_bins_by_floor_with_the_top_edge_in_the_last_bin() {
        let r = Reliability::new(&[0.0, 0.24, 0.25, 0.99, 1.0, -0.5], &[false; 6], 4);
        let counts: Vec<usize> = r.bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [3, 1, 0, 2]);
        assert!(r.bins[2].mean_predicted.is_nan() && r.bins[2].observed.is_nan());
    }

    #[test]
    fn ece_is_zero_when_calibrated() {
        // 10 at 0.2 with 2 events, 4 at 0.75 with 3 events.
        let mut predicted = vec![0.2; 10];
        predicted.extend([0.75; 4]);
        let mut outcome = vec![false; 14];
        for i in [0, 1, 10, 11, 12] {
            outcome[i] = true;
        }
        let r = Reliability::new(&predicted, &outcome, 15);
        assert!(r.ece() < 1e-7, "{}", r.ece());
        assert_eq!(r.bins.iter().filter(|b| b.count > 0).count(), 2);
    }

    #[test]
    fn ece_weighs_each_bins_gap_by_its_share() {
        // Bin 0 (2 samples): mean 0.1, observed 0.5 → gap 0.4.
        // Bin 1 (2 samples): mean 0.8, observed 1.0 → gap 0.2.
        // ECE = 2/4 · 0.4 + 2/4 · 0.2 = 0.3.
        let r = Reliability::new(&[0.0, 0.2, 0.7, 0.9], &[true, false, true, true], 2);
        assert!((r.bins[0].mean_predicted - 0.1).abs() < 1e-7);
        assert_near(r.bins[1].observed, 1.0);
        assert!((r.ece() - 0.3).abs() < 1e-7, "{}", r.ece());
    }

    #[test]
    fn write_svg_writes_a_reliability_diagram() {
        let r = Reliability::new(
            &[0.05, 0.3, 0.32, 0.9, 0.95],
            &[false, true, false, true, true],
            15,
        );
        let path = std::env::temp_dir().join(format!("reliability-{}.svg", std::process::id()));
        r.write_svg(&path, "Matcher calibration").unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.contains("Matcher calibration"));
        assert!(svg.contains("observed frequency"));
        assert_eq!(
            svg.matches("<circle").count(),
            4,
            "one point per non-empty bin"
        );
    }
}
