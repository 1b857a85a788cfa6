using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Tsumugi.Corpus.Html;

/// <summary>
/// HTML to text with boilerplate removal, in the spirit of trafilatura: drop non-content elements (script, nav,
/// header, footer, aside, …), elements whose class/id says navigation/menu/breadcrumb/sidebar, and link-dense blocks;
/// keep headings, paragraphs, list items, table cells and code blocks (pre keeps its whitespace verbatim).
/// Blocks are separated by a blank line, list items and table rows by a newline. One instance per thread.
/// </summary>
public sealed class HtmlExtractor(HtmlExtractorOptions? options = null)
{
    readonly HtmlExtractorOptions _options = options ?? new();
    readonly HtmlParser _parser = new();
    // Visible chars, link chars and links per element, measured once bottom-up: asking each nested block for its
    // TextContent would cost O(size × depth) on deep DocBook pages.
    readonly Dictionary<IElement, (int Total, int Linked, int Links)> _measure = new(ReferenceEqualityComparer.Instance);

    static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "select", "option",
        "iframe", "svg", "template", "head", "input", "textarea", "object", "embed", "canvas", "map", "menu",
    };

    static readonly HashSet<string> Paragraphs = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "main", "div", "table", "ul",
        "ol", "dl", "figure", "figcaption", "caption", "address", "hr", "body", "details", "summary",
    };

    static readonly HashSet<string> Lines = new(StringComparer.OrdinalIgnoreCase) { "li", "dt", "dd", "tr", "br" };

    // class/id name segments that mark boilerplate containers (trafilatura's OVERALL_DISCARD_XPATH, condensed).
    // Matched per segment ("site-nav" → "nav"), never as substrings: "guimenu" in GIMP's help is body text.
    static readonly HashSet<string> BoilerplateNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "nav", "navbar", "navigation", "navheader", "navfooter", "subnav", "menu", "menubar", "breadcrumb",
        "breadcrumbs", "sidebar", "footer", "header", "masthead", "share", "social", "cookie", "cookies", "banner",
        "widget", "pagination", "pager", "toc", "related", "advert", "ads", "sponsor", "skip", "skiplink",
    };

    // Reused across documents (one extractor per thread): the text collected per page is copied out once.
    readonly TextSink _sink = new();

    public HtmlText Extract(string html)
    {
        var document = _parser.ParseDocument(html);
        var title = document.Title?.Trim();
        var sink = _sink;
        sink.Clear();
        _measure.Clear();
        if (document.Body is { } body)
        {
            Measure(body, false);
            Walk(body, sink);
        }
        _measure.Clear();
        return new HtmlText(sink.ToString(), string.IsNullOrEmpty(title) ? null : title);
    }

    void Walk(INode node, TextSink sink)
    {
        var children = node.ChildNodes;  // indexed: foreach over INodeList boxes an enumerator per element
        for (int i = 0; i < children.Length; i++)
        {
            var child = children[i];
            if (child is IText text) { sink.Inline(text.Data); continue; }
            if (child is not IElement element) continue;
            var name = element.LocalName;
            if (Dropped.Contains(name) || IsHidden(element)) continue;
            if (_options.DropByClass && HasBoilerplateName(element)) continue;
            if (name is "pre")
            {
                sink.Break(2);
                sink.Verbatim(element.TextContent);
                sink.Break(2);
                continue;
            }
            if (name is "td" or "th") { sink.Inline(" "); Walk(element, sink); sink.Inline(" "); continue; }
            if (name is "img") continue;
            bool paragraph = Paragraphs.Contains(name);
            bool line = Lines.Contains(name);
            if ((paragraph || line) && IsLinkDense(element)) continue;
            if (paragraph) sink.Break(2); else if (line) sink.Break(1);
            Walk(element, sink);
            if (paragraph) sink.Break(2); else if (line) sink.Break(1);
        }
    }

    static bool IsHidden(IElement e) =>
        e.HasAttribute("hidden") || e.GetAttribute("aria-hidden") == "true" ||
        (e.GetAttribute("style") is { } style && HidesDisplay(style));

    /// <summary>"display:none" in a style attribute once spaces are removed (case-insensitive), without copying it.</summary>
    static bool HidesDisplay(string style)
    {
        const string key = "display:none";
        for (int start = 0; start < style.Length; start++)
        {
            int i = start, k = 0;
            if (style[i] == ' ') continue;  // a match starts at a non-space character
            while (i < style.Length && k < key.Length)
            {
                char c = style[i++];
                if (c == ' ') continue;
                if (char.ToUpperInvariant(c) != char.ToUpperInvariant(key[k])) break;  // as OrdinalIgnoreCase
                k++;
            }
            if (k == key.Length) return true;
        }
        return false;
    }

    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> BoilerplateLookup = BoilerplateNames.GetAlternateLookup<ReadOnlySpan<char>>();

    static bool HasBoilerplateName(IElement e)
    {
        foreach (var attr in (ReadOnlySpan<string?>)[e.ClassName, e.Id])
        {
            if (string.IsNullOrEmpty(attr)) continue;
            // Tokens split on ' ', segments on '-' and '_' (empty segments never match a name).
            foreach (var range in attr.AsSpan().SplitAny(" -_"))
                if (range.End.Value > range.Start.Value && BoilerplateLookup.Contains(attr.AsSpan(range.Start.Value, range.End.Value - range.Start.Value))) return true;
        }
        return false;
    }

    /// <summary>
    /// Link density, trafilatura-style: short blocks that are mostly link text, and lists/tables of several links
    /// that are mostly link text (tables of contents, menus), are navigation.
    /// </summary>
    bool IsLinkDense(IElement e)
    {
        if (!_measure.TryGetValue(e, out var m) || m.Links == 0 || m.Total == 0) return false;
        double density = (double)m.Linked / m.Total;
        if (density <= _options.MaxLinkDensity) return false;
        bool container = e.LocalName is "ul" or "ol" or "dl" or "table" or "div" or "tr";
        return (container && m.Links > 1) || m.Total <= _options.LinkDensityMaxChars;
    }

    (int Total, int Linked, int Links) Measure(INode node, bool inLink)
    {
        int total = 0, linked = 0, links = 0;
        var children = node.ChildNodes;
        for (int i = 0; i < children.Length; i++)
        {
            var child = children[i];
            if (child is IText text)
            {
                int v = Visible(text.Data);
                total += v;
                if (inLink) linked += v;
            }
            else if (child is IElement el)
            {
                bool isLink = el.LocalName == "a" && el.HasAttribute("href");
                var (t, l, n) = Measure(el, inLink || isLink);
                total += t;
                linked += l;
                links += n + (isLink ? 1 : 0);
            }
        }
        if (node is IElement e) _measure[e] = (total, linked, links);
        return (total, linked, links);
    }

    static int Visible(string s)
    {
        int n = 0;
        foreach (char c in s) if (!char.IsWhiteSpace(c)) n++;
        return n;
    }

    /// <summary>Collects text with HTML whitespace rules and pending block breaks (1 = newline, 2 = blank line).</summary>
    sealed class TextSink
    {
        readonly StringBuilder _sb = new();
        int _pendingBreak;
        bool _pendingSpace;

        public void Clear()
        {
            _sb.Clear();
            if (_sb.Capacity > 1 << 20) _sb.Capacity = 1 << 16;  // do not keep one huge page's buffer
            _pendingBreak = 0;
            _pendingSpace = false;
        }

        public void Break(int level) => _pendingBreak = Math.Max(_pendingBreak, level);

        void Flush()
        {
            if (_sb.Length > 0 && _pendingBreak > 0)
            {
                while (_sb.Length > 0 && _sb[^1] == ' ') _sb.Length--;
                _sb.Append(_pendingBreak == 2 ? "\n\n" : "\n");
            }
            else if (_pendingSpace && _sb.Length > 0 && _sb[^1] != '\n') _sb.Append(' ');
            _pendingBreak = 0;
            _pendingSpace = false;
        }

        public void Inline(string text)
        {
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c)) { _pendingSpace = true; continue; }
                if (_pendingBreak > 0 || _pendingSpace) Flush();
                _sb.Append(c);
            }
        }

        public void Verbatim(string text)
        {
            text = text.Trim('\n', '\r');
            if (text.Length == 0) return;
            Flush();
            _sb.Append(text.Replace("\r\n", "\n"));
        }

        /// <summary>The text with leading and trailing white space removed (string.Trim), copied out once.</summary>
        public override string ToString()
        {
            int start = 0, end = _sb.Length;
            while (start < end && char.IsWhiteSpace(_sb[start])) start++;
            while (end > start && char.IsWhiteSpace(_sb[end - 1])) end--;
            return _sb.ToString(start, end - start);
        }
    }
}
