using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

/// <summary>
/// The server as the official `openai` npm package sees it (installed into .build/npm by scripts/install-test-deps.sh):
/// a Node script lists models, completes, streams with usage, stops at a stop sequence and provokes a 404; its JSON
/// report must match <see cref="TextGenerator"/>'s direct output.
/// </summary>
public sealed class OpenAiNpmTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    const string UserText = "東京は";

    const string Script = """
        const { OpenAI } = require('openai');
        const [baseURL, apiKey, model, user, stop] = process.argv.slice(2);
        const messages = [{ role: 'user', content: user }];
        const text = m => m.choices[0].message.content ?? '';
        (async () => {
          const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60000 });
          const out = { models: [] };
          for await (const m of client.models.list()) out.models.push(m.id);
          const c = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 16 });
          out.chat = { text: text(c), finish: c.choices[0].finish_reason, usage: c.usage, model: c.model, object: c.object };
          const stream = await client.chat.completions.create({
            model, messages, temperature: 0, max_tokens: 16, stream: true, stream_options: { include_usage: true } });
          out.stream = { text: '', chunks: 0, finish: null, usage: null, usageChunkChoices: null, chunksAfterUsage: 0 };
          for await (const chunk of stream) {
            out.stream.chunks++;
            if (out.stream.usage) out.stream.chunksAfterUsage++;
            if (chunk.choices.length > 0) {
              out.stream.text += chunk.choices[0].delta?.content ?? '';
              out.stream.finish = chunk.choices[0].finish_reason ?? out.stream.finish;
            }
            if (chunk.usage) { out.stream.usage = chunk.usage; out.stream.usageChunkChoices = chunk.choices.length; }
          }
          const s = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 16, stop: [stop] });
          out.stopped = { text: text(s), finish: s.choices[0].finish_reason, usage: s.usage };
          try {
            await client.chat.completions.create({ model: 'no-such-model', messages });
            out.error = null;
          } catch (e) {
            out.error = { status: e.status, code: e.code, param: e.param, type: e.type };
          }
          console.log(JSON.stringify(out));
        })().catch(e => { console.error(e); process.exit(1); });
        """;

    GenerationResult Expected(SamplingOptions? options = null) =>
        fx.Reference.Generate(fx.Served.RenderChat([new Generation.Chat.ChatMessage("user", UserText)]),
            options ?? new SamplingOptions { Temperature = 0, MaxNewTokens = 16 });

    [Fact]
    public void TheOpenAiNpmClientListsChatsStreamsWithUsageAndStops()
    {
        var full = Expected();
        Assert.True(full.Text.Length >= 2, "the greedy text should be long enough to cut with a stop sequence");
        // A character from the middle of the greedy text, so the stop certainly fires before the token limit.
        int at = Enumerable.Range(full.Text.Length / 2, full.Text.Length - full.Text.Length / 2).First(i => !char.IsSurrogate(full.Text[i]));
        var stop = full.Text[at].ToString();
        var stopped = Expected(new SamplingOptions { Temperature = 0, MaxNewTokens = 16, Stop = [stop] });

        using var report = RunNode(fx.BaseUrl + "/v1", ServerFixture.ApiKey, ServerFixture.ModelName, UserText, stop);
        var r = report.RootElement;
        Assert.Equal([ServerFixture.ModelName], r.GetProperty("models").EnumerateArray().Select(m => m.GetString()));

        var chat = r.GetProperty("chat");
        Assert.Equal(full.Text, chat.GetProperty("text").GetString());
        Assert.Equal(full.FinishReasonText, chat.GetProperty("finish").GetString());
        AssertUsage(full, chat.GetProperty("usage"));
        Assert.Equal(ServerFixture.ModelName, chat.GetProperty("model").GetString());
        Assert.Equal("chat.completion", chat.GetProperty("object").GetString());

        var stream = r.GetProperty("stream");
        Assert.Equal(full.Text, stream.GetProperty("text").GetString());
        Assert.True(stream.GetProperty("chunks").GetInt32() > 3, "expected a role chunk, text chunks, a finish chunk and a usage chunk");
        Assert.Equal(full.FinishReasonText, stream.GetProperty("finish").GetString());
        AssertUsage(full, stream.GetProperty("usage"));
        Assert.Equal(0, stream.GetProperty("usageChunkChoices").GetInt32()); // the usage chunk has choices: [] …
        Assert.Equal(0, stream.GetProperty("chunksAfterUsage").GetInt32()); // … and is the last one

        var cut = r.GetProperty("stopped");
        Assert.Equal(full.Text[..full.Text.IndexOf(stop, StringComparison.Ordinal)], cut.GetProperty("text").GetString());
        Assert.Equal("stop", cut.GetProperty("finish").GetString());
        AssertUsage(stopped, cut.GetProperty("usage"));

        var error = r.GetProperty("error");
        Assert.Equal(404, error.GetProperty("status").GetInt32());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    static void AssertUsage(GenerationResult expected, JsonElement usage)
    {
        Assert.Equal(expected.PromptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(expected.CompletionTokens, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(expected.PromptTokens + expected.CompletionTokens, usage.GetProperty("total_tokens").GetInt32());
    }

    /// <summary>Runs <see cref="Script"/> with node, resolving `openai` from .build/npm; returns its one-line JSON report.</summary>
    static JsonDocument RunNode(params string[] args)
    {
        var modules = Path.Combine(RepoPaths.Root, ".build", "npm", "node_modules");
        if (!File.Exists(Path.Combine(modules, "openai", "package.json")))
            throw new InvalidOperationException($"{modules}/openai is missing; run scripts/install-test-deps.sh");
        var dir = Directory.CreateTempSubdirectory("tsumugi-npm-").FullName;
        try
        {
            var script = Path.Combine(dir, "client.cjs");
            File.WriteAllText(script, Script);
            var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(script);
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["NODE_PATH"] = modules;
            using var node = Process.Start(psi)!;
            var stderr = node.StandardError.ReadToEndAsync();
            var stdout = node.StandardOutput.ReadToEnd();
            if (!node.WaitForExit(120_000)) { node.Kill(entireProcessTree: true); throw new TimeoutException("the openai npm client script did not finish in 120 s"); }
            Assert.True(node.ExitCode == 0, $"node exited with {node.ExitCode}: {stderr.Result}");
            return JsonDocument.Parse(stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
