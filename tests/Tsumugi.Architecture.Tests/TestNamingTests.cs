using System.Text.RegularExpressions;

namespace Tsumugi.Architecture.Tests;

/// <summary>
/// One test-naming style: <c>Subject_Behaviour[_Condition]</c>, each part PascalCase
/// (<c>UnknownStepKey_IsAnErrorNamingKeyAndLine</c>; a single part is fine: <c>ResumeContinuesTheCurve</c>).
/// </summary>
public sealed partial class TestNamingTests
{
    [Fact]
    public void EveryTestMethod_FollowsTheOneNamingStyle()
    {
        var offenders = new List<string>();
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Tests, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal)) continue;
            foreach (var name in TestMethodNames(File.ReadAllText(file)))
            {
                count++;
                if (!IsWellNamed(name)) offenders.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}: {name}");
            }
        }
        Assert.True(count > 100, $"only {count} test methods found: the scan is broken");
        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData("UnknownStepKey_IsAnErrorNamingKeyAndLine", true)]
    [InlineData("ResumeContinuesTheCurve", true)]
    [InlineData("Fp16Weights_DecodeLikeFp32", true)]
    [InlineData("A_stage_with_its_own_schedule_overrides_the_run", false)]
    [InlineData("lowerCaseStart", false)]
    [InlineData("Double__Underscore", false)]
    public void IsWellNamed_AcceptsOnlyPascalParts(string name, bool expected) => Assert.Equal(expected, IsWellNamed(name));

    [Fact]
    public void TestMethodNames_FindsFactsAndTheoriesBehindOtherAttributes()
    {
        const string source = """
            [Fact]
            public void First_Case() { }
            [Theory, InlineData(1)]
            [Trait("x", "y")]
            public async Task Second_Case(int a) { }
            public void NotATest() { }
            """;
        Assert.Equal(["First_Case", "Second_Case"], TestMethodNames(source));
    }

    public static bool IsWellNamed(string name) => WellNamed().IsMatch(name);

    public static List<string> TestMethodNames(string source) =>
        TestMethod().Matches(source).Select(m => m.Groups["name"].Value).ToList();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*(_[A-Z0-9][A-Za-z0-9]*)*$")]
    private static partial Regex WellNamed();

    [GeneratedRegex(@"\[(?:Fact|Theory)\b[^\]]*\]\s*(?:\[[^\]]*\]\s*)*public\s+(?:async\s+)?[\w<>\[\]?]+\s+(?<name>\w+)\s*\(")]
    private static partial Regex TestMethod();
}
