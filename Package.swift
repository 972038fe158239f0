// swift-tools-version:6.0
import PackageDescription

// One direction of dependency:
//   RNNRuntime (numbers only) ← RNNScript (the language) ← RNNScriptCLI (driver, REPL, files) ← rnnscript
let package = Package(
    name: "rnnscript",
    products: [
        .executable(name: "rnnscript", targets: ["rnnscript"]),
        .library(name: "RNNRuntime", targets: ["RNNRuntime"]),
        .library(name: "RNNScript", targets: ["RNNScript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CReadline", providers: [.apt(["libreadline-dev"])]),
        // The AVX-512 step product (see small_gemm.h), optimised in every build.
        // No contraction into fused multiply-adds: the gate functions must round as FastMath.swift does.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        // The runtime's numeric loops are optimised even in debug builds: the
        // tests train real models, and unoptimised generic code is 20–50× slower.
        .target(
            name: "RNNRuntime", dependencies: ["CBLAS", "CKernels"],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "RNNScript", dependencies: ["RNNRuntime"]),
        .target(
            name: "RNNScriptCLI",
            dependencies: [
                "RNNScript", "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "rnnscript", dependencies: ["RNNScriptCLI"]),
        .testTarget(name: "RNNRuntimeTests", dependencies: ["RNNRuntime"]),
        .testTarget(name: "RNNScriptTests", dependencies: ["RNNScript", "RNNScriptCLI"]),
    ]
)
