namespace Tsumugi.Dashboard.Tests;

/// <summary>
/// The browser tests share one headless Chromium (starting one costs seconds on a loaded runner) and run one at a time:
/// each opens its own dashboard on its own runs folder in the shared tab.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
