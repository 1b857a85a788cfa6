namespace Tsumugi.Corpus.Steps;

/// <summary>
/// One pipeline step. A normaliser rewrites <see cref="Document.Text"/> and returns null; a filter returns a
/// one-line reason when it rejects the document (the accounting counts it under the step's name).
/// Instances are used by one thread at a time (steps may keep scratch buffers).
/// </summary>
public interface IPipelineStep
{
    string Name { get; }
    string? Apply(Document doc);
}
