// swift-tools-version: 6.0
// lmlab: grader and experiment tracker for a course on language models.
// Modules depend one way: Tensors → Transformer → LabConfig → Harness → Diagnosis → Grading →
// Store → Server → lmlab (see README's Layout for the whole map).
import PackageDescription

let package = Package(
    name: "lmlab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lmlab", targets: ["lmlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        // The web's upload form (multipart/form-data) and zips: a zipped folder handed in on
        // the upload page is read entry by entry (symbolic links and escaping paths refused),
        // and the Gradescope export is written as a zip.
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // OpenBLAS's cblas.h, linked as libopenblas (Debian: libopenblas-dev).
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // AVX2/FMA batch-1 fp32 matrix-vector kernels on a persistent thread pool, chosen at run
        // time (decoding: OpenBLAS's sgemv reads weights below the machine's bandwidth).
        .target(name: "CMatvecKernels"),
        // Row-major Float tensors, sgemm, batch-1 matvec, RNG, fp16/bf16, .npy and safetensors.
        .target(name: "Tensors", dependencies: ["COpenBLAS", "CMatvecKernels"]),
        // GPT-2 byte-level BPE: encode, decode, train.
        .target(name: "Tokenizer"),
        // The reference GPT-2: it knows nothing of grading.
        .target(name: "Transformer", dependencies: ["Tensors"]),
        // Backward pass, AdamW, schedules, the training loop and LoRA adapters on the reference.
        .target(name: "Training", dependencies: ["Tensors", "Transformer"]),
        // AVX2/FMA/F16C batch-1 kernels for quantized weights, chosen at run time.
        .target(name: "CQuantKernels"),
        // fp16/bf16, int8, Q8_0/Q4_0 weights; quantized matmul and decoding.
        .target(name: "Quantization", dependencies: ["Tensors", "Transformer", "CQuantKernels"]),
        // A lab as lab.toml describes it, validated, and its policy: the late rule and what a
        // viewer may see (the visibility rule); where the labs folder is.
        .target(
            name: "LabConfig",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The sandbox and the harness protocol: staging a submission (a file, a folder, a
        // notebook), bubblewrap, warm sandboxes, one session calling a student's functions.
        .target(
            name: "Harness",
            dependencies: [
                "LabConfig", "Tensors", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Diagnosis, organised by component family (Families/): each family's components (the
        // reference calls) and catalogued mistakes as variants of the reference maths; the cases a
        // lab's tests draw, comparison with tolerances, and naming the mistake behind a failure.
        .target(
            name: "Diagnosis",
            dependencies: [
                "LabConfig", "Harness", "Tensors", "Tokenizer", "Transformer", "Training",
                "Quantization",
            ]
        ),
        // The grader: a submission's tests run in the harness against the references, scored and
        // diagnosed; feedback, Gradescope; instructors' Python references and mistakes (their
        // own harness session), the lab survey and authoring checks, labs new/try.
        .target(
            name: "Grading",
            dependencies: ["LabConfig", "Harness", "Diagnosis"]
        ),
        // SQLite through GRDB: students, submissions, results, the durable queue.
        .target(
            name: "Store",
            dependencies: [
                "LabConfig", "Diagnosis", "Grading", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Experiment tracking: the filter language, search, plots, import/export, leaderboards.
        .target(
            name: "Tracking",
            dependencies: ["Store", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Experiment commands as library functions: training, fine-tuning, quantization studies,
        // verified runs (re-run on the reference) and the course base model, logged as runs.
        .target(
            name: "Experiments",
            dependencies: [
                "Training", "Quantization", "Tracking", "LabConfig", "Harness", "Store",
                "Transformer", "Tokenizer", "Tensors",
            ]
        ),
        // The grading daemon: workers over the durable queue, the drop folder, the HTTP API and
        // the web pages (Mustache templates compiled in; the lecture's pages run the reference).
        .target(
            name: "Server",
            dependencies: [
                "Store", "Tracking", "LabConfig", "Harness", "Diagnosis", "Grading",
                "Transformer", "Tokenizer", "Quantization",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The course service behind the CLI: local or remote client, reports, the demo, benchmarks,
        // and verified experiment runs graded through the daemon's queue.
        .target(
            name: "Service",
            dependencies: [
                "Server", "Store", "LabConfig", "Harness", "Diagnosis", "Grading", "Tracking",
                "Experiments",
                "Quantization", "Tensors",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers the test targets share: running the Python oracles, temporary folders.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .executableTarget(
            name: "lmlab",
            dependencies: [
                "Tensors", "Tokenizer", "Transformer", "Training", "Quantization", "LabConfig",
                "Harness", "Grading", "Store", "Tracking", "Experiments", "Server", "Service",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "TestSupport"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Tensors", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "TestSupport"]),
        .testTarget(
            name: "GradingTests",
            dependencies: ["LabConfig", "Harness", "Diagnosis", "Grading", "TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "LMLabTests", dependencies: ["lmlab", "Diagnosis", "Grading", "Tensors", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "LabConfig", "TestSupport"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Experiments", "Harness", "Diagnosis", "Grading", "TestSupport"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "Store", "TestSupport"]),
        .testTarget(
            name: "ServiceTests",
            dependencies: [
                "Service", "Server", "Store", "LabConfig", "Harness", "Diagnosis", "Grading",
                "TestSupport",
            ]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Store", "LabConfig", "Diagnosis", "Grading", "TestSupport",
                "Transformer", "Tokenizer", "Quantization",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
