using System.Text.Json;
using PocketCode.ApiProxy.Providers;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>Tokens of one call, from the provider's own usage report.</summary>
internal readonly record struct TokenUsage(long InputTokens, long OutputTokens)
{
    public long Total => InputTokens + OutputTokens;

    /// <summary>
    /// Reads <c>usageMetadata</c> (Gemini: prompt, candidates and thoughts token counts) or
    /// <c>usage</c> (OpenAI: prompt and completion tokens) from a response body or one streamed
    /// chunk; null when the JSON has none. A forward-only reader: no DOM is built.
    /// </summary>
    public static TokenUsage? TryRead(ReadOnlySpan<byte> json, string provider)
    {
        var member = provider == AiProviders.Gemini ? "usageMetadata"u8 : "usage"u8;
        if (json.IndexOf(member) < 0)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(member))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.StartObject ? ReadCounts(ref reader, provider) : null;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (or cut short): nothing to count.
        }

        return null;
    }

    private static TokenUsage ReadCounts(ref Utf8JsonReader reader, string provider)
    {
        long input = 0, output = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != depth + 1)
            {
                continue;
            }

            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                continue;
            }

            if (provider == AiProviders.Gemini)
            {
                switch (name)
                {
                    case "promptTokenCount": input = value; break;
                    case "candidatesTokenCount" or "thoughtsTokenCount" or "toolUsePromptTokenCount": output += value; break;
                }
            }
            else
            {
                switch (name)
                {
                    case "prompt_tokens": input = value; break;
                    case "completion_tokens": output = value; break;
                }
            }
        }

        return new TokenUsage(Math.Max(0, input), Math.Max(0, output));
    }
}
