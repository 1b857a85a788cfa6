return Tsumugi.Cli.CliApp.Run(args);
