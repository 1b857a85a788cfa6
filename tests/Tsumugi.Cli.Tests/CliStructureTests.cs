using System.CommandLine;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// The CLI builds only the stage group a command line invokes (start-up of short commands, issue 25); the other groups
/// are their name and description. Whatever is built, help and usage must be those of the full tree.
/// </summary>
[Collection("cli")]
public sealed class CliStructureTests
{
    static readonly Command[] FullGroups = [.. CliApp.Build(null).Subcommands];

    [Fact]
    public void InvokedGroupIsTheFirstWordThatIsNotAFlag()
    {
        Assert.Equal("tokenizer", CliApp.InvokedGroup(["tokenizer", "encode", "--threads", "2"]));
        Assert.Equal("data", CliApp.InvokedGroup(["--verbose", "data", "tokenize", "--help"]));
        Assert.Equal("", CliApp.InvokedGroup(["--help"]));
        Assert.Equal("", CliApp.InvokedGroup([]));
        Assert.Null(CliApp.InvokedGroup(["tokenizr", "encode"])); // no such group: the full tree parses it
        Assert.Null(CliApp.InvokedGroup(["@args.rsp"]));          // a response file: the full tree parses it
    }

    [Fact]
    public void RootHelpListsEveryGroupWithItsDescriptionWithoutBuildingAny()
    {
        var root = CliApp.Build(CliApp.InvokedGroup(["--help"]));
        Assert.Equal(FullGroups.Select(g => (g.Name, g.Description)), root.Subcommands.Select(g => (g.Name, g.Description)));
        Assert.All(root.Subcommands, g => Assert.Empty(g.Subcommands));

        var (code, stdout, _) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        foreach (var group in FullGroups) Assert.Contains($"  {group.Name} ", stdout);
    }

    [Fact]
    public void EachGroupsHelpListsAllItsCommandsAndOptions()
    {
        foreach (var group in FullGroups)
        {
            var (code, stdout, _) = CliRunner.Run(group.Name, "--help");
            Assert.Equal(0, code);
            foreach (var sub in group.Subcommands) Assert.Contains($"  {sub.Name} ", stdout);
            foreach (var option in group.Options) Assert.Contains(option.Name, stdout);
        }
        var encode = CliRunner.Run("--verbose", "tokenizer", "encode", "--help");
        Assert.Equal(0, encode.ExitCode);
        Assert.Contains("--threads", encode.Out);
    }

    [Fact]
    public void AnUnknownGroupOrAMissingSubcommandIsAUsageError()
    {
        var unknown = CliRunner.Run("tokenizr", "encode");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("'tokenizr'", unknown.Err);
        Assert.Equal(2, CliRunner.Run("tokenizer").ExitCode);
        Assert.Equal(2, CliRunner.Run().ExitCode);
    }
}
