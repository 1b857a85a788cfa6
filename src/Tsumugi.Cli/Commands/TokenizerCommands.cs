using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Spectre.Console;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Metrics;
using Tsumugi.Tokenization.Normalization;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi tokenizer train|merge|extend|eval|encode|decode`.</summary>
public static class TokenizerCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "tokenizer";
    internal const string Description =
        "Train, merge, extend, evaluate and run SentencePiece-compatible tokenizers (writes tokenizer.model + HF tokenizer.json).";

    public static Command Create()
    {
        var cmd = new Command(Name, Description);
        cmd.Add(Train());
        cmd.Add(Merge());
        cmd.Add(Extend());
        cmd.Add(Eval());
        cmd.Add(Encode());
        cmd.Add(Decode());
        return cmd;
    }

    static Option<string> OutputOption() => CommonOptions.Output("Output tokenizer directory (tokenizer.model, tokenizer.json, tokenizer_config.json, special_tokens_map.json).");

    static Command Train()
    {
        var input = CommonOptions.Inputs("Text files (one sentence/paragraph per line), .jsonl.zst shards, or directories of them.");
        var output = OutputOption();
        var type = new Option<string>("--model-type") { Description = "unigram or bpe.", DefaultValueFactory = _ => "unigram" };
        var vocab = new Option<int>("--vocab-size") { Description = "Total pieces including specials and the 256 byte pieces.", DefaultValueFactory = _ => 32000 };
        var coverage = new Option<double>("--character-coverage") { Description = "Share of characters covered by the alphabet (0.98–1).", DefaultValueFactory = _ => 0.9995 };
        var noBytes = new Option<bool>("--no-byte-fallback") { Description = "Disable byte fallback (unknown characters become <unk>)." };
        var splitDigits = new Option<bool>("--split-digits") { Description = "Every digit is its own piece." };
        var maxLen = new Option<int>("--max-piece-length") { Description = "Longest piece in characters.", DefaultValueFactory = _ => 16 };
        var userDefined = new Option<string[]>("--user-defined-symbols") { Description = "Symbols always kept whole (e.g. <|im_start|> <|im_end|>).", AllowMultipleArgumentsPerToken = true };
        var control = new Option<string[]>("--control-symbols") { Description = "Control symbols (never produced from text).", AllowMultipleArgumentsPerToken = true };
        var required = new Option<string>("--required-chars") { Description = "Characters that must be in the vocabulary." };
        var sample = new Option<int>("--input-sentence-size") { Description = "Sample this many sentences (0 = all)." };
        var seed = new Option<int>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 12345678 };
        var threads = CommonOptions.Threads();
        var wsCollapse = new Option<bool>("--remove-extra-whitespaces") { Description = "Collapse runs of spaces (off by default, as in Llama; spm_train's default is on)." };
        var normalization = new Option<string>("--normalization")
        {
            Description = $"Unicode normalization rule, as spm_train's --normalization_rule_name: {string.Join(", ", NormalizationRules.Names)}.",
            DefaultValueFactory = _ => NormalizationRules.Default,
        };
        normalization.AcceptOnlyFromAmong(NormalizationRules.Names);
        var allowSmaller = new Option<bool>("--allow-smaller-vocab") { Description = "When the text supports fewer pieces than --vocab-size, write them (with a warning) instead of failing (spm_train's --hard_vocab_limit=false)." };
        var chat = new Option<string?>("--chat-template") { Description = "File with a Jinja chat template for tokenizer_config.json (default: ChatML when <|im_start|>/<|im_end|> exist)." };
        var kind = new Option<string>("--kind") { Description = "sentencepiece (Unigram/BPE, tokenizer.model) or byte-level-bpe (Hugging Face GPT-2/Llama 3/Qwen2 tokenizer.json).", DefaultValueFactory = _ => "sentencepiece" };
        kind.AcceptOnlyFromAmong("sentencepiece", "byte-level-bpe");
        var preTokenizer = new Option<string>("--pre-tokenizer") { Description = "Byte-level BPE only: gpt2, llama3 (digits in threes, ignore_merges) or qwen2 (single digits, NFC).", DefaultValueFactory = _ => "llama3" };
        preTokenizer.AcceptOnlyFromAmong("gpt2", "llama3", "qwen2");
        var specials = new Option<string[]>("--special-tokens") { Description = "Byte-level BPE only: special tokens, ids 0, 1, … (the first is the EOS token).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["<|endoftext|>"] };
        var minFreq = new Option<int>("--min-frequency") { Description = "Byte-level BPE only: pairs seen fewer times are not merged.", DefaultValueFactory = _ => 2 };
        var c = new Command("train", "Train a tokenizer (SentencePiece Unigram/BPE, or Hugging Face byte-level BPE) and write a tokenizer directory.")
        { input, output, type, vocab, coverage, noBytes, splitDigits, maxLen, userDefined, control, required, sample, seed, threads, wsCollapse, normalization, allowSmaller, chat, kind, preTokenizer, specials, minFreq };
        c.SetAction(r =>
        {
            if (r.GetValue(kind) == "byte-level-bpe")
            {
                var sw0 = Stopwatch.StartNew();
                var special = r.GetValue(specials) ?? [];
                var bbpe = ByteLevelBpeTrainer.Train(TrainingInput.ReadSentences(r.GetValue(input)!, 1 << 16), new ByteLevelTrainerOptions
                {
                    VocabSize = r.GetValue(vocab), MinFrequency = r.GetValue(minFreq), Flavor = ByteLevelBpeModel.ParseFlavor(r.GetValue(preTokenizer)!),
                    SpecialTokens = special, EosToken = special.FirstOrDefault(), Threads = r.GetValue(threads),
                    Log = msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]"),
                });
                bbpe.Save(r.GetValue(output)!);
                CliApp.Info($"wrote {r.GetValue(output)} (byte-level BPE, {bbpe.Vocab.Count} tokens, {bbpe.Merges.Count} merges) in {sw0.Elapsed.TotalSeconds:F1} s");
                return 0;
            }
            var modelType = r.GetValue(type)?.ToLowerInvariant() switch
            {
                "unigram" => SpmModelType.Unigram,
                "bpe" => SpmModelType.Bpe,
                var other => throw new ArgumentException($"--model-type {other} is not supported; use unigram or bpe."),
            };
            var o = new TrainerOptions
            {
                VocabSize = r.GetValue(vocab), CharacterCoverage = r.GetValue(coverage), ByteFallback = !r.GetValue(noBytes),
                SplitDigits = r.GetValue(splitDigits), MaxPieceLength = r.GetValue(maxLen),
                UserDefinedSymbols = [.. r.GetValue(userDefined) ?? []], ControlSymbols = [.. r.GetValue(control) ?? []],
                RequiredChars = r.GetValue(required) ?? "", InputSentenceSize = r.GetValue(sample), Seed = r.GetValue(seed),
                Threads = r.GetValue(threads), RemoveExtraWhitespaces = r.GetValue(wsCollapse),
                Normalization = r.GetValue(normalization)!, HardVocabLimit = !r.GetValue(allowSmaller),
                Log = msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]"),
            };
            var sw = Stopwatch.StartNew();
            var sentences = TrainingInput.Sample(TrainingInput.ReadSentences(r.GetValue(input)!, o.MaxSentenceBytes), o.InputSentenceSize, o.Seed);
            var model = modelType == SpmModelType.Bpe ? BpeTrainer.Train(sentences, o) : UnigramTrainer.Train(sentences, o);
            var template = r.GetValue(chat) is { } t ? File.ReadAllText(t) : null;
            TokenizerDirectory.Save(model, r.GetValue(output)!, template);
            if (model.Pieces.Count < o.VocabSize)
                AnsiConsole.MarkupLine($"[yellow]warning: the text supports only {model.Pieces.Count:N0} pieces, fewer than --vocab-size {o.VocabSize:N0} (--allow-smaller-vocab)[/]");
            CliApp.Info($"wrote {r.GetValue(output)} ({model.Pieces.Count} pieces, {o.Normalization} normalization) in {sw.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return c;
    }

    static Command Merge()
    {
        var toks = CommonOptions.Tokenizers("Tokenizers to merge, in priority order (e.g. ja en code).");
        var input = CommonOptions.Inputs("Mixed text used to re-estimate the scores.");
        var vocab = new Option<int>("--vocab-size") { Description = "Target size (0 = keep every piece).", DefaultValueFactory = _ => 0 };
        var output = OutputOption();
        var threads = CommonOptions.Threads();
        var c = new Command("merge", "Merge per-language tokenizers into one vocabulary (no duplicates) and re-estimate scores on mixed text.") { toks, input, vocab, output, threads };
        c.SetAction(r =>
        {
            if (r.GetValue(vocab) < 0) throw new ArgumentException($"--vocab-size must be 0 (keep every piece) or positive (got {r.GetValue(vocab)}).");
            var models = r.GetValue(toks)!.Select(t => TokenizerDirectory.LoadSentencePiece(t, "tokenizer merge").Model).ToList();
            var text = ReadText(r.GetValue(input)!);
            var o = new TrainerOptions { Threads = r.GetValue(threads), Log = msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]") };
            var merged = VocabularyTools.Merge(models, text, r.GetValue(vocab), o);
            TokenizerDirectory.Save(merged, r.GetValue(output)!);
            CliApp.Info($"wrote {r.GetValue(output)} ({merged.Pieces.Count} pieces)");
            return 0;
        });
        return c;
    }

    static Command Extend()
    {
        var tok = CommonOptions.Tokenizer("Base tokenizer directory or .model (e.g. a Llama-2/Mistral 32k, or a byte-level Llama 3 tokenizer.json).");
        var input = CommonOptions.Inputs("New-domain text to learn pieces from.");
        var count = new Option<int>("--add") { Description = "Number of pieces to add.", Required = true };
        var output = OutputOption();
        var c = new Command("extend", "Add N pieces learned on new text to an existing tokenizer, keeping every existing id; writes id-map.json for embedding growth.") { tok, input, count, output };
        c.SetAction(r =>
        {
            if (r.GetValue(count) < 1) throw new ArgumentException($"--add must be at least 1 (got {r.GetValue(count)}): the number of pieces to add.");
            var baseDir = Directory.Exists(r.GetValue(tok)!) ? r.GetValue(tok)! : Path.GetDirectoryName(Path.GetFullPath(r.GetValue(tok)!))!;
            if (Path.GetFullPath(baseDir).TrimEnd('/') == Path.GetFullPath(r.GetValue(output)!).TrimEnd('/'))
                throw new ArgumentException($"--output {r.GetValue(output)} would overwrite the base tokenizer; pass a new directory.");
            if (TokenizerDirectory.Load(r.GetValue(tok)!) is ByteLevelBpeTokenizer byteLevel)
            {
                var extended = ByteLevelBpeTrainer.Extend(byteLevel.Model, ReadText(r.GetValue(input)!), r.GetValue(count),
                    log: msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]"));
                var outDir = r.GetValue(output)!;
                extended.Save(outDir);
                VocabularyTools.WriteIdMap(ByteLevelBpeTrainer.IdMap(byteLevel.Model, extended), Path.Combine(outDir, "id-map.json"), byteLevel.VocabSize);
                CliApp.Info($"wrote {outDir}: {byteLevel.VocabSize} → {extended.IdCount} ids (byte-level BPE), id-map.json");
                return 0;
            }
            var baseModel = TokenizerDirectory.LoadSentencePiece(r.GetValue(tok)!, "tokenizer extend").Model;
            var text = ReadText(r.GetValue(input)!);
            var o = new TrainerOptions { Log = msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]") };
            var (model, idMap) = VocabularyTools.Extend(baseModel, text, r.GetValue(count), o);
            var dir = r.GetValue(output)!;
            TokenizerDirectory.Save(model, dir);
            VocabularyTools.WriteIdMap(idMap, Path.Combine(dir, "id-map.json"), baseModel.Pieces.Count);
            CliApp.Info($"wrote {dir}: {baseModel.Pieces.Count} → {model.Pieces.Count} pieces, id-map.json");
            return 0;
        });
        return c;
    }

    static Command Eval()
    {
        var toks = CommonOptions.Tokenizers("Tokenizer directories or .model files to compare.");
        var input = CommonOptions.Input("Directory of held-out text; each subdirectory is a domain.");
        var maxLines = new Option<int>("--max-lines") { Description = "At most this many lines per domain (0 = all).", DefaultValueFactory = _ => 0 };
        var c = new Command("eval", "Characters/bytes per token and byte-fallback/unk rates per domain, side by side.") { toks, input, maxLines };
        c.SetAction(r =>
        {
            var domains = TokenizerEvaluator.LoadDomains(r.GetValue(input)!, r.GetValue(maxLines));
            var table = new Table().AddColumns("tokenizer", "vocab", "domain", "lines", "chars/token", "bytes/token", "byte-fallback", "unk");
            foreach (var path in r.GetValue(toks)!)
            {
                var tok = TokenizerDirectory.Load(path);
                foreach (var (domain, lines) in domains.OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    var s = TokenizerEvaluator.Evaluate(tok, domain, lines);
                    table.AddRow(Markup.Escape(path), tok.VocabSize.ToString(), Markup.Escape(domain), s.Lines.ToString(),
                        s.CharsPerToken.ToString("F3"), s.BytesPerToken.ToString("F3"), s.ByteFallbackRate.ToString("P2"), s.UnkRate.ToString("P2"));
                }
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return c;
    }

    static Command Encode()
    {
        var tok = CommonOptions.Tokenizer("Tokenizer directory or .model file.");
        var threads = CommonOptions.Threads("Encoding threads (-1 = all cores).", defaultValue: -1);
        var stats = new Option<bool>("--stats") { Description = "Print load time, lines, bytes and encoding throughput to stderr." };
        var c = new Command("encode", "Read lines on stdin, write one line of space-separated ids per line (like spm_encode --output_format=id).") { tok, threads, stats };
        c.SetAction(r =>
        {
            // CPU time next to wall time: on a shared machine it is the steadier of the two.
            static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            double cpu0 = Cpu();
            var sw = Stopwatch.StartNew();
            IdLineEncoder.PrepareInBackground(); // the encoder's JIT on another core while the model loads
            var t = TokenizerDirectory.Load(r.GetValue(tok)!);
            double load = sw.Elapsed.TotalSeconds, cpu1 = Cpu();
            sw.Restart();
            using var stdin = Console.OpenStandardInput();
            using var stdout = Console.OpenStandardOutput();
            var s = IdLineEncoder.Run(t, stdin, stdout, r.GetValue(threads));
            if (r.GetValue(stats))
                Console.Error.WriteLine($"load {load:F3} s (cpu {cpu1 - cpu0:F3} s); encoded {s.Lines} lines, {s.Bytes / 1e6:F2} MB in {sw.Elapsed.TotalSeconds:F3} s " +
                    $"(cpu {Cpu() - cpu1:F3} s; {s.Bytes / 1e6 / sw.Elapsed.TotalSeconds:F2} MB/s, {s.Threads} threads); process cpu before load {cpu0:F3} s; " +
                    $"allocated {GC.GetTotalAllocatedBytes() / 1e6:F1} MB, {GC.CollectionCount(0)} collections, GC heap committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1e6:F1} MB; {MemoryLine()}");
            return 0;
        });
        return c;
    }

    // The kernel's own account of this process's memory: peak RSS (VmHWM) and what the current RSS is made of (Linux only).
    static string MemoryLine()
    {
        if (!File.Exists("/proc/self/status")) return $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F1} MB";
        var fields = File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM") || l.StartsWith("Rss")).Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        return string.Join(", ", fields);
    }

    static Command Decode()
    {
        var tok = CommonOptions.Tokenizer("Tokenizer directory or .model file.");
        var c = new Command("decode", "Read lines of space-separated ids on stdin, write the decoded text (like spm_decode --input_format=id).") { tok };
        c.SetAction(r =>
        {
            var t = TokenizerDirectory.Load(r.GetValue(tok)!);
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
            long lineNo = 0;
            foreach (var line in ReadStdinLines())
            {
                lineNo++;
                var ids = new List<int>();
                foreach (var part in (line ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) || id >= t.VocabSize)
                        throw new FormatException($"stdin line {lineNo}: '{part}' is not an id below {t.VocabSize}; pass space-separated ids from `tsumugi tokenizer encode`.");
                    ids.Add(id);
                }
                stdout.WriteLine(t.Decode(ids));
            }
            return 0;
        });
        return c;
    }

    /// <summary>Every non-empty line of the --input files; an input without any is an error, not an empty vocabulary.</summary>
    /// <summary>The sentences of --input, streamed (read once, as the trainer counts them); none at all is an error.</summary>
    static IEnumerable<string> ReadText(string[] inputs)
    {
        long n = 0;
        foreach (var s in TrainingInput.ReadSentences(inputs, 4192)) { n++; yield return s; }
        if (n == 0) throw new InvalidDataException($"no text in --input {string.Join(' ', inputs)}; pass UTF-8 text files (one sentence per line) or .jsonl.zst shards.");
    }

    /// <summary>Stdin split on '\n' (a trailing '\r' kept, as spm does), each line decoded strictly; null = invalid UTF-8.</summary>
    static IEnumerable<string?> ReadStdinLines()
    {
        var strict = new UTF8Encoding(false, true);
        using var input = new BufferedStream(Console.OpenStandardInput(), 1 << 16);
        var bytes = new List<byte>(1024);
        while (true)
        {
            int b = input.ReadByte();
            if (b >= 0 && b != '\n') { bytes.Add((byte)b); continue; }
            if (b < 0 && bytes.Count == 0) yield break;
            string? line;
            try { line = strict.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)); }
            catch (DecoderFallbackException) { line = null; }
            bytes.Clear();
            yield return line;
            if (b < 0) yield break;
        }
    }
}
