namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// The default Japanese prompts of the recipes, each overridable in the config under the recipe's section. Written for
/// these recipes after the originals (Self-Instruct, Evol-Instruct's in-depth and in-breadth operations, Persona Hub,
/// MT-Bench's judge): every one ends by asking for the text alone, so the reply needs no parsing beyond trimming.
/// </summary>
public static class RecipePrompts
{
    public const string JudgeSystem = "あなたは公平で厳格な審査員です。";

    public const string Judge =
        "以下の[指示]に対する[回答]の質を、有用性・正確さ・詳しさ・日本語の自然さの観点から1〜10の整数で評価してください。"
        + "短く理由を述べた後、最後に評価を「[[5]]」のように二重の角括弧で書いてください。\n\n[指示]\n{instruction}\n\n[回答]\n{answer}";

    public const string SelfInstruct =
        "以下はAIアシスタントへの指示の例です。\n\n{examples}\n\n"
        + "これらとは異なる話題で、新しい指示を一つだけ日本語で書いてください。例と同じくらいの長さにし、指示文だけを出力してください。";

    public const string Persona =
        "あなたは次の人物です：{persona}\n"
        + "この人物がAIアシスタントに尋ねそうな質問や依頼を一つ、日本語で書いてください。質問文だけを出力してください。";

    public const string NextUserTurn =
        "以下はユーザーとAIアシスタントの会話です。\n\n{conversation}\n\n"
        + "あなたはユーザーです。この会話の流れに沿って、ユーザーが次に送りそうな質問や依頼を一つ、日本語で書いてください。その文だけを出力してください。";

    public const string Translate =
        "次の英語の文章を、意味を変えずに自然な日本語に翻訳してください。訳文だけを出力してください。\n\n{text}";

    /// <summary>Evol-Instruct's operations: four in depth (harder versions of the instruction), one in breadth (a new one nearby).</summary>
    public static IReadOnlyList<(string Name, string Prompt)> EvolOperations { get; } =
    [
        ("add_constraints", "次の指示に、答えるうえで守るべき条件や制約を一つ加えて、少し難しい指示に書き換えてください。書き換えた指示文だけを出力してください。\n\n#指示#\n{instruction}"),
        ("deepen", "次の指示を、より深い知識や考察がなければ答えられないように書き換えてください。書き換えた指示文だけを出力してください。\n\n#指示#\n{instruction}"),
        ("concretize", "次の指示に含まれる一般的な概念を、より具体的な概念に置き換えて書き換えてください。書き換えた指示文だけを出力してください。\n\n#指示#\n{instruction}"),
        ("reasoning", "次の指示を、いくつかの段階を踏んで推論しなければ答えられないように書き換えてください。書き換えた指示文だけを出力してください。\n\n#指示#\n{instruction}"),
        ("breadth", "次の指示と同じ分野で、より珍しい話題についての新しい指示を一つ作ってください。新しい指示文だけを出力してください。\n\n#指示#\n{instruction}"),
    ];
}
