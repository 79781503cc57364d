// The learning-rate schedule of GPT-2-style training (as in llm.c): linear warmup to the peak,
// then a cosine decay to a floor, which it keeps after the last scheduled step.
import Foundation

public struct CosineSchedule: Sendable, Equatable {
    public var maxLearningRate: Float
    /// The floor the cosine decays to.
    public var minLearningRate: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(maxLearningRate: Float, minLearningRate: Float, warmupSteps: Int, totalSteps: Int) {
        self.maxLearningRate = maxLearningRate
        self.minLearningRate = minLearningRate
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = totalSteps
    }

    /// The rate for 0-based `step`:
    /// step < warmup: max · (step + 1) / warmup;
    /// warmup ≤ step ≤ total: min + ½(1 + cos(π · (step - warmup) / (total - warmup))) · (max - min);
    /// after total: min.
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps {
            return maxLearningRate * Float(step + 1) / Float(warmupSteps)
        }
        if step >= totalSteps || totalSteps <= warmupSteps { return minLearningRate }
        let ratio = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        let coefficient = Float(0.5 * (1 + cos(Double.pi * ratio)))
        return minLearningRate + coefficient * (maxLearningRate - minLearningRate)
    }
}
