// swift-tools-version:6.0
import PackageDescription

// One direction of dependency:
//   CKernels (C: products, elementary functions) ← RNNRuntime (numbers only)
//     ← RNNScript (the language) ← RNNScriptCLI (driver, REPL, files) ← rnnscript
let package = Package(
    name: "rnnscript",
    products: [
        .executable(name: "rnnscript", targets: ["rnnscript"]),
        .library(name: "RNNRuntime", targets: ["RNNRuntime"]),
        .library(name: "RNNScript", targets: ["RNNScript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // HMAC-SHA256 for the Jupyter kernel's message signatures (no hand-written crypto).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CReadline", providers: [.apt(["libreadline-dev"])]),
        // ZeroMQ for the Jupyter kernel (`rnnscript kernel`).
        .systemLibrary(name: "CZMQ", providers: [.apt(["libzmq3-dev"])]),
        // The runtime's own products and elementary functions (rnn_kernels.h).
        // No unsafe flags, so both libraries can be used as a dependency: the
        // C files say `#pragma STDC FP_CONTRACT OFF` themselves (every fma is
        // written out), and the tests run in release mode (README, Testing),
        // where the kernels and the generic runtime are optimised.
        .target(name: "CKernels"),
        .target(name: "RNNRuntime", dependencies: ["CKernels"], exclude: ["README.md"]),
        .target(name: "RNNScript", dependencies: ["RNNRuntime"]),
        .target(
            name: "RNNScriptCLI",
            dependencies: [
                "RNNScript", "CReadline", "CZMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(name: "rnnscript", dependencies: ["RNNScriptCLI"]),
        .testTarget(name: "RNNRuntimeTests", dependencies: ["RNNRuntime", "CKernels"]),
        .testTarget(name: "RNNScriptTests", dependencies: ["RNNScript", "RNNScriptCLI"]),
    ]
)

// libFuzzer targets (Sources/FuzzTargets, run by scripts/fuzz). They exist
// only when RNNSCRIPT_FUZZ is set: their files define LLVMFuzzerTestOneInput
// and no main, so they link only with --sanitize=fuzzer, and the ordinary
// `swift build` / `swift test` never compile them.
if Context.environment["RNNSCRIPT_FUZZ"] != nil {
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["RNNScript"], path: "Sources/FuzzTargets/FuzzSupport"))
    for name in ["FuzzScript", "FuzzData", "FuzzWeights", "FuzzEval"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["RNNScript", "FuzzSupport"],
                                                 path: "Sources/FuzzTargets/\(name)"))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
