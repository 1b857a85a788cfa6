using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi chat`: a multi-turn conversation in the terminal, rendered with the model's chat template
/// (<see cref="PretrainedModel.RenderChat"/>, as `serve` and `eval judge` do) and streamed as it is generated. With
/// stdin piped, each line is one user turn, so a conversation can be scripted (and tested). Thin over <see cref="TextGenerator"/>.
/// </summary>
public static class ChatCommand
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "chat";
    internal const string Description =
        "Chat with a model directory: one user turn per line; /reset starts over, /exit or Ctrl-D ends.";

    /// <summary>Chat answers are longer than one-shot completions; still bounded by the context window.</summary>
    const int DefaultMaxTokens = 256;

    static readonly JsonSerializerOptions PromptJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var system = new Option<string?>("--system") { Description = "System message that opens (and survives /reset of) the conversation." };
        var format = CommonOptions.ChatFormat();
        var showPrompt = new Option<bool>("--show-prompt") { Description = "Print each turn's full rendered prompt to stderr, as one JSON string." };
        var sampling = new SamplingFlags(DefaultMaxTokens);
        var dtype = CommonOptions.Dtype();
        var adapter = CommonOptions.Adapter();
        var engine = CommonOptions.Engine();
        var weights = CommonOptions.EngineWeights();
        var command = new Command(Name, Description)
        {
            model, adapter, system, format, dtype, engine, weights,
        };
        sampling.AddTo(command);
        command.Add(showPrompt);
        command.SetAction(parse =>
        {
            var options = sampling.Read(parse);
            var decoder = CommonOptions.ParseEngine(parse.GetValue(engine)!, parse.GetValue(weights));
            var dir = parse.GetValue(model)!;
            var (llm, description) = ChatModelLoader.Load(dir, parse.GetValue(format),
                forced => GenerateCommand.Load(dir, parse.GetValue(dtype)!, forced, parse.GetValue(adapter), decoder));
            using var owned = llm;
            var generator = llm.CreateChatGenerator();
            // ChatML closes a turn with <|im_end|>, which is not the tokenizer's EOS: stop there too (the stops serve uses).
            options = options with { Stop = [.. options.Stop, .. llm.ChatStops] };

            Console.Error.WriteLine($"Chat template: {description}. /reset starts over, /exit or Ctrl-D ends.");
            bool piped = Console.IsInputRedirected;
            if (piped) Console.Error.WriteLine("stdin is not a terminal: reading one user turn per line until end of input.");

            var session = new ChatSession(generator, llm.RenderChat, parse.GetValue(system), llm.ContextLength);
            while (true)
            {
                if (!piped) { Console.Error.Write("> "); Console.Error.Flush(); }
                var line = Console.In.ReadLine();
                if (line is null) break; // EOF / Ctrl-D
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line == "/exit") break;
                if (line == "/reset")
                {
                    session.Reset();
                    Console.Error.WriteLine("(conversation reset)");
                    continue;
                }
                if (line.StartsWith('/'))
                {
                    Console.Error.WriteLine($"Unknown command '{line}': /reset starts over, /exit ends.");
                    continue;
                }
                var turn = session.Prepare(line, options);
                if (turn is null)
                {
                    Console.Error.WriteLine($"The conversation no longer fits the {session.ContextLength}-token context; /reset to start over.");
                    continue;
                }
                if (parse.GetValue(showPrompt)) Console.Error.WriteLine("[prompt] " + JsonSerializer.Serialize(turn.Value.Prompt, PromptJson));
                GenerationResult? result = null;
                foreach (var delta in generator.Stream(turn.Value.Ids, turn.Value.Options))
                {
                    Console.Write(delta.Text);
                    Console.Out.Flush();
                    result = delta.Final ?? result;
                }
                Console.WriteLine();
                session.Answered(result!.Text);
                if (parse.GetValue(showPrompt))
                    Console.Error.WriteLine($"[finish_reason={result.FinishReasonText} prompt_tokens={result.PromptTokens} completion_tokens={result.CompletionTokens}]");
            }
            return 0;
        });
        return command;
    }

    /// <summary>The conversation so far and how the next turn's prompt is built from it.</summary>
    sealed class ChatSession(TextGenerator generator, Func<IReadOnlyList<ChatMessage>, string> render, string? system, int contextLength)
    {
        readonly List<ChatMessage> _messages = system is { Length: > 0 } ? [new("system", system)] : [];
        int _turn;

        public int ContextLength => contextLength;

        /// <summary>Back to the system message alone (if any).</summary>
        public void Reset()
        {
            int keep = system is { Length: > 0 } ? 1 : 0;
            _messages.RemoveRange(keep, _messages.Count - keep);
            _turn = 0;
        }

        /// <summary>
        /// Adds the user's line and renders the prompt; max tokens shrink to what the context has room for (null when
        /// none is left, and the line is taken back). Each turn samples with seed + turn, so a conversation replays
        /// exactly from the same --seed, and /reset replays it from the start.
        /// </summary>
        public (string Prompt, IReadOnlyList<int> Ids, SamplingOptions Options)? Prepare(string line, SamplingOptions options)
        {
            _messages.Add(new("user", line));
            var prompt = render(_messages);
            var ids = generator.EncodePrompt(prompt);
            int room = contextLength - ids.Count;
            if (room <= 0)
            {
                _messages.RemoveAt(_messages.Count - 1);
                return null;
            }
            return (prompt, ids, options with { MaxNewTokens = Math.Min(options.MaxNewTokens, room), Seed = options.Seed + _turn });
        }

        public void Answered(string text)
        {
            _messages.Add(new("assistant", text));
            _turn++;
        }
    }
}
