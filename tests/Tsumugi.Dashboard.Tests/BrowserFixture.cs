using Tsumugi.Testing.Browser;

namespace Tsumugi.Dashboard.Tests;

/// <summary>One headless Chromium and one tab for the <see cref="BrowserCollection"/>.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    HeadlessChromium? _browser;
    BrowserPage? _page;

    public BrowserPage Page => _page ?? throw new InvalidOperationException("the browser has not started");

    public async Task InitializeAsync()
    {
        _browser = await HeadlessChromium.LaunchAsync();
        _page = await _browser.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
    }
}
