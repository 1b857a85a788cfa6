namespace Tsumugi.Generation.Chat.Templates;

/// <summary>
/// The three <c>--chat-format</c> formats as Jinja templates, rendered by the same engine as a model's own
/// chat_template. With add_generation_prompt=true each renders exactly what the former hand-written C# renderers
/// did (the ChatPrompt tests pin those bytes); with false the conversation ends after the last turn, for training.
/// </summary>
public static class BuiltInChatTemplates
{
    /// <summary>ChatML: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message (the template `tokenizer train` writes).</summary>
    public const string ChatMl =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>
    /// meta-llama/Llama-2-chat's template, widened as Tsumugi's format always was: a first <c>developer</c> message
    /// counts as the system message, and a role out of turn raises with the message index. add_generation_prompt
    /// changes nothing (the prompt already ends with " [/INST]"), as in the original.
    /// </summary>
    public const string Llama2 = """
        {%- if messages and messages[0]['role'] in ['system', 'developer'] -%}
            {%- set loop_messages = messages[1:] -%}
            {%- set system_message = messages[0]['content'] -%}
            {%- set offset = 1 -%}
        {%- else -%}
            {%- set loop_messages = messages -%}
            {%- set system_message = none -%}
            {%- set offset = 0 -%}
        {%- endif -%}
        {%- for message in loop_messages -%}
            {%- set expected = 'user' if loop.index0 % 2 == 0 else 'assistant' -%}
            {%- if message['role'] != expected -%}
                {{- raise_exception('messages[' ~ (loop.index0 + offset) ~ ']: the Llama-2 chat format needs an optional first system message, then '
                    ~ 'user and assistant messages alternating, starting with user; got \'' ~ message['role'] ~ '\' where \'' ~ expected ~ '\' belongs.') -}}
            {%- endif -%}
            {%- if loop.first and system_message is not none -%}
                {%- set content = '<<SYS>>\n' ~ system_message ~ '\n<</SYS>>\n\n' ~ message['content'] -%}
            {%- else -%}
                {%- set content = message['content'] -%}
            {%- endif -%}
            {%- if message['role'] == 'user' -%}
                {{- bos_token ~ '[INST] ' ~ content.strip() ~ ' [/INST]' -}}
            {%- else -%}
                {{- ' ' ~ content.strip() ~ ' ' ~ eos_token -}}
            {%- endif -%}
        {%- endfor -%}
        """;

    /// <summary>
    /// The llm-jp/Tanuki Alpaca-style instruction format as Tsumugi renders it: the system (and developer) messages,
    /// joined by newlines, replace the fixed preamble; earlier assistant turns stay as answered responses. No BOS in
    /// the text: <see cref="PretrainedModel.Encode"/> adds it.
    /// </summary>
    public const string Instruction = """
        {%- set ns = namespace(system='') -%}
        {%- for message in messages if message['role'] in ['system', 'developer'] -%}
            {%- set ns.system = ns.system ~ ('' if loop.first else '\n') ~ message['content'] -%}
        {%- endfor -%}
        {{- (ns.system if ns.system else '以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。') ~ '\n\n' -}}
        {%- for message in messages -%}
            {%- if message['role'] == 'assistant' -%}
                {{- '### 応答:\n' ~ message['content'] ~ '\n\n' -}}
            {%- elif message['role'] not in ['system', 'developer'] -%}
                {{- '### 指示:\n' ~ message['content'] ~ '\n\n' -}}
            {%- endif -%}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
            {{- '### 応答:\n' -}}
        {%- endif -%}
        """;

    static readonly Lazy<ChatTemplate> ChatMlTemplate = new(() => ChatTemplate.Parse(ChatMl, null, "built-in chatml template"));

    static readonly Lazy<ChatTemplate> Llama2Template = new(() =>
        ChatTemplate.Parse(Llama2, new Dictionary<string, string> { ["bos_token"] = "<s>", ["eos_token"] = "</s>" }, "built-in llama2 template"));

    static readonly Lazy<ChatTemplate> InstructionTemplate = new(() => ChatTemplate.Parse(Instruction, null, "built-in instruction template"));

    /// <summary>The template of a <c>--chat-format</c> format.</summary>
    public static ChatTemplate For(ChatPromptFormat format) => format switch
    {
        ChatPromptFormat.ChatMl => ChatMlTemplate.Value,
        ChatPromptFormat.Llama2 => Llama2Template.Value,
        _ => InstructionTemplate.Value,
    };
}
