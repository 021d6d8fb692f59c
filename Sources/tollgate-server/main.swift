import TollgateServer

await ServerCommand.run()
