using Google.Protobuf.WellKnownTypes;
using PocketCode.Storage.Documents;
using V1 = Google.Cloud.Firestore.V1;

namespace PocketCode.Storage.Firestore;

internal enum WriteKind
{
    Create,
    Set,
    Update,
    Delete,
}

/// <summary>A write ready to commit, with what is needed to explain a failure in the port's terms.</summary>
internal sealed record PendingWrite(WriteKind Kind, string Path, Precondition? Precondition, V1.Write Write);

/// <summary>Turns port writes into Firestore <see cref="V1.Write"/> messages.</summary>
internal sealed class FirestoreWrites(string documentsRoot)
{
    public string DocumentName(string path) => documentsRoot + "/" + path;

    public PendingWrite Create(string path, IReadOnlyDictionary<string, object?> data)
    {
        var precondition = Precondition.MustNotExist;
        var write = WholeDocument(path, data);
        write.CurrentDocument = ToWire(precondition);
        return new PendingWrite(WriteKind.Create, path, precondition, write);
    }

    public PendingWrite Set(string path, IReadOnlyDictionary<string, object?> data) =>
        new(WriteKind.Set, path, null, WholeDocument(path, data));

    public PendingWrite Update(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition)
    {
        DocumentPaths.ValidateDocumentPath(path);
        ArgumentNullException.ThrowIfNull(fields);
        var paths = fields.Keys.Select(DocumentValues.SplitFieldPath).ToList();
        EnsureNoPathIsAPrefixOfAnother(paths);

        var document = new V1.Document { Name = DocumentName(path) };
        // An empty mask (not a missing one) matters: without a mask Firestore would replace the whole
        // document, and an update made only of transforms must leave every other field alone.
        var mask = new V1.DocumentMask();
        var transforms = new List<V1.DocumentTransform.Types.FieldTransform>();
        var index = 0;
        foreach (var raw in fields.Values)
        {
            var segments = paths[index++];
            switch (DocumentValues.Normalize(raw))
            {
                case FieldValue.DeleteValue:
                    // In the mask but absent from the fields: Firestore removes it.
                    mask.FieldPaths.Add(FirestoreValues.ToFieldPath(segments));
                    break;
                case FieldValue transform:
                    // Kept out of the mask, or an increment would start from a field the mask just cleared.
                    transforms.Add(ToTransform(segments, transform));
                    break;
                case IReadOnlyDictionary<string, object?> map:
                    mask.FieldPaths.Add(FirestoreValues.ToFieldPath(segments));
                    SetNested(document, segments, new V1.Value { MapValue = ToMapValue(map, segments, transforms) });
                    break;
                case var value:
                    mask.FieldPaths.Add(FirestoreValues.ToFieldPath(segments));
                    SetNested(document, segments, FirestoreValues.ToValue(value));
                    break;
            }
        }

        precondition ??= Precondition.MustExist;
        var write = new V1.Write { Update = document, UpdateMask = mask, CurrentDocument = ToWire(precondition) };
        write.UpdateTransforms.AddRange(transforms);
        return new PendingWrite(WriteKind.Update, path, precondition, write);
    }

    public PendingWrite Delete(string path, Precondition? precondition)
    {
        DocumentPaths.ValidateDocumentPath(path);
        return new PendingWrite(WriteKind.Delete, path, precondition, new V1.Write
        {
            Delete = DocumentName(path),
            CurrentDocument = ToWire(precondition),
        });
    }

    private V1.Write WholeDocument(string path, IReadOnlyDictionary<string, object?> data)
    {
        DocumentPaths.ValidateDocumentPath(path);
        ArgumentNullException.ThrowIfNull(data);
        var transforms = new List<V1.DocumentTransform.Types.FieldTransform>();
        var fields = ToMapValue(DocumentValues.NormalizeMap(data), [], transforms);
        var document = new V1.Document { Name = DocumentName(path) };
        document.Fields.Add(fields.Fields);
        var write = new V1.Write { Update = document };
        write.UpdateTransforms.AddRange(transforms);
        return write;
    }

    /// <summary>
    /// Converts a map whose keys are literal field names, pulling any <see cref="FieldValue"/> sentinel
    /// out into a transform at its full path.
    /// </summary>
    private static V1.MapValue ToMapValue(IReadOnlyDictionary<string, object?> map, IReadOnlyList<string> prefix, List<V1.DocumentTransform.Types.FieldTransform> transforms)
    {
        var result = new V1.MapValue();
        foreach (var (key, value) in map)
        {
            string[] segments = [.. prefix, key];
            switch (value)
            {
                case FieldValue.DeleteValue:
                    // The map is written whole, so leaving the field out is what deleting it means.
                    break;
                case FieldValue transform:
                    transforms.Add(ToTransform(segments, transform));
                    break;
                case IReadOnlyDictionary<string, object?> child:
                    result.Fields[key] = new V1.Value { MapValue = ToMapValue(child, segments, transforms) };
                    break;
                default:
                    result.Fields[key] = FirestoreValues.ToValue(value);
                    break;
            }
        }

        return result;
    }

    private static V1.DocumentTransform.Types.FieldTransform ToTransform(IEnumerable<string> segments, FieldValue transform) => transform switch
    {
        FieldValue.ServerTimestampValue => new()
        {
            FieldPath = FirestoreValues.ToFieldPath(segments),
            SetToServerValue = V1.DocumentTransform.Types.FieldTransform.Types.ServerValue.RequestTime,
        },
        FieldValue.IncrementValue { By: long or double } increment => new()
        {
            FieldPath = FirestoreValues.ToFieldPath(segments),
            Increment = FirestoreValues.ToValue(increment.By),
        },
        _ => throw new ArgumentException($"The field transform {transform} is not supported."),
    };

    private static void SetNested(V1.Document document, string[] segments, V1.Value value)
    {
        var fields = document.Fields;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (!fields.TryGetValue(segments[i], out var child))
            {
                child = new V1.Value { MapValue = new V1.MapValue() };
                fields[segments[i]] = child;
            }

            fields = child.MapValue.Fields;
        }

        fields[segments[^1]] = value;
    }

    private static void EnsureNoPathIsAPrefixOfAnother(List<string[]> paths)
    {
        for (var i = 0; i < paths.Count; i++)
        {
            for (var j = 0; j < paths.Count; j++)
            {
                if (i != j && paths[i].Length <= paths[j].Length && paths[i].SequenceEqual(paths[j].Take(paths[i].Length)))
                {
                    throw new ArgumentException($"The update names both '{string.Join('.', paths[i])}' and '{string.Join('.', paths[j])}'; name one or the other.");
                }
            }
        }
    }

    private static V1.Precondition? ToWire(Precondition? precondition) => precondition switch
    {
        { UpdateTime: { } time } => new V1.Precondition { UpdateTime = Timestamp.FromDateTimeOffset(DocumentValues.TruncateToMicroseconds(time)) },
        { Exists: { } exists } => new V1.Precondition { Exists = exists },
        _ => null,
    };
}
