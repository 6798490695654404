using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PocketCode.ApiProxy.Providers;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>What the proxy needs to read from, and write into, request bodies. Everything else passes through untouched.</summary>
internal static partial class JsonBodies
{
    /// <summary>Parses a request body that must be a JSON object (400 otherwise).</summary>
    public static JsonDocument ParseObject(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new ProblemException(400, ProblemCodes.ValidationFailed, "The request body must be a JSON object.");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ProblemException(400, ProblemCodes.ValidationFailed, "The request body must be a JSON object.");
        }

        return document;
    }

    /// <summary>A model id as it may appear in a provider path: letters, digits, '.', '_' and '-' (no '/').</summary>
    public static string ValidModel(string? model, string field = "model") =>
        model is not null && ModelPattern().IsMatch(model)
            ? model
            : throw new ProblemException(400, ProblemCodes.ValidationFailed, $"'{field}' must be a model id of 1-128 letters, digits, '.', '_' or '-' (e.g. gemini-2.5-flash).");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex ModelPattern();

    /// <summary>
    /// SHA-256 (hex) of the body in canonical form: object members sorted by name at every level,
    /// no insignificant whitespace. Two bodies that differ only in member order or spacing hash alike.
    /// </summary>
    public static string CanonicalHash(JsonElement root)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteCanonical(writer, root);
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>
    /// The body of an OpenAI-compatible streamed call, with <c>stream_options.include_usage</c>
    /// turned on when the caller did not say, so the final chunk reports the tokens to count.
    /// </summary>
    public static byte[] WithStreamUsage(JsonElement root, byte[] original)
    {
        if (root.TryGetProperty("stream_options", out _))
        {
            return original;
        }

        var buffer = new ArrayBufferWriter<byte>(original.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Turns the app's simple call (<c>provider?, model, prompt | contents, stream?</c> plus Gemini
    /// settings) into the provider's request body. Members the proxy does not know are kept.
    /// </summary>
    public static GenerateRequest TranslateGenerate(JsonElement root)
    {
        var provider = root.TryGetProperty("provider", out var p) ? p.GetStringOrNull() : AiProviders.Gemini;
        if (provider is not (AiProviders.Gemini or AiProviders.OpenAi))
        {
            throw new ProblemException(400, ProblemCodes.ValidationFailed, "'provider' must be \"gemini\" (the default) or \"openai\".");
        }

        var model = ValidModel(root.TryGetProperty("model", out var m) ? m.GetStringOrNull() : null);
        var stream = false;
        if (root.TryGetProperty("stream", out var s))
        {
            stream = s.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw new ProblemException(400, ProblemCodes.ValidationFailed, "'stream' must be true or false."),
            };
        }

        string? prompt = null;
        if (root.TryGetProperty("prompt", out var pr) && pr.ValueKind != JsonValueKind.Null)
        {
            prompt = pr.ValueKind == JsonValueKind.String && pr.GetString() is { Length: > 0 } text
                ? text
                : throw new ProblemException(400, ProblemCodes.ValidationFailed, "'prompt' must be a non-empty string.");
        }

        var hasContents = root.TryGetProperty("contents", out var contents) && contents.ValueKind != JsonValueKind.Null;
        if (hasContents && (contents.ValueKind != JsonValueKind.Array || contents.GetArrayLength() == 0))
        {
            throw new ProblemException(400, ProblemCodes.ValidationFailed, "'contents' must be a non-empty array of Gemini contents.");
        }

        if ((prompt is null) == !hasContents)
        {
            throw new ProblemException(400, ProblemCodes.ValidationFailed, "Give exactly one of 'prompt' (text) or 'contents' (Gemini-style contents).");
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (provider == AiProviders.Gemini)
            {
                WriteGemini(writer, root, prompt);
            }
            else
            {
                WriteOpenAi(writer, root, model, prompt, contents, stream);
            }
        }

        return new GenerateRequest(provider, model, stream, buffer.WrittenSpan.ToArray());
    }

    private static readonly HashSet<string> AppMembers = new(StringComparer.Ordinal) { "provider", "model", "prompt", "stream" };

    private static void WriteGemini(Utf8JsonWriter writer, JsonElement root, string? prompt)
    {
        writer.WriteStartObject();
        foreach (var property in root.EnumerateObject())
        {
            if (!AppMembers.Contains(property.Name))
            {
                property.WriteTo(writer);
            }
        }

        if (prompt is not null)
        {
            writer.WriteStartArray("contents");
            writer.WriteStartObject();
            writer.WriteString("role", "user");
            writer.WriteStartArray("parts");
            writer.WriteStartObject();
            writer.WriteString("text", prompt);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    // Gemini-only members that have an OpenAI equivalent are mapped; the rest are dropped from an OpenAI call.
    private static readonly HashSet<string> GeminiMembers = new(StringComparer.Ordinal) { "contents", "generationConfig", "systemInstruction", "safetySettings", "tools", "toolConfig", "cachedContent" };

    private static void WriteOpenAi(Utf8JsonWriter writer, JsonElement root, string model, string? prompt, JsonElement contents, bool stream)
    {
        writer.WriteStartObject();
        writer.WriteString("model", model);
        writer.WriteStartArray("messages");
        if (root.TryGetProperty("systemInstruction", out var system) && TextOf(system) is { Length: > 0 } systemText)
        {
            WriteMessage(writer, "system", systemText);
        }

        if (prompt is not null)
        {
            WriteMessage(writer, "user", prompt);
        }
        else
        {
            foreach (var content in contents.EnumerateArray())
            {
                var role = content.TryGetProperty("role", out var r) && r.GetStringOrNull() == "model" ? "assistant" : "user";
                WriteMessage(writer, role, TextOf(content));
            }
        }

        writer.WriteEndArray();
        if (root.TryGetProperty("generationConfig", out var config) && config.ValueKind == JsonValueKind.Object)
        {
            foreach (var (gemini, openAi) in new[] { ("temperature", "temperature"), ("topP", "top_p"), ("maxOutputTokens", "max_tokens"), ("stopSequences", "stop"), ("candidateCount", "n"), ("seed", "seed") })
            {
                if (config.TryGetProperty(gemini, out var value))
                {
                    writer.WritePropertyName(openAi);
                    value.WriteTo(writer);
                }
            }
        }

        if (stream)
        {
            writer.WriteBoolean("stream", true);
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!AppMembers.Contains(property.Name) && !GeminiMembers.Contains(property.Name))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, string role, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", text);
        writer.WriteEndObject();
    }

    /// <summary>The concatenated text parts of a Gemini content.</summary>
    private static string TextOf(JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                text.Append(t.GetString());
            }
        }

        return text.ToString();
    }

    public static string? GetStringOrNull(this JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString() : null;
}

/// <summary>The provider call made from <c>POST /proxy/ai/generate</c>.</summary>
internal sealed record GenerateRequest(string Provider, string Model, bool Stream, byte[] Body);
