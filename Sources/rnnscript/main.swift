import RNNScriptCLI
RNNScriptCommand.main()
