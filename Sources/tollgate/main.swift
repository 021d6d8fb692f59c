import TollgateCLI

TollgateCommand.main()
