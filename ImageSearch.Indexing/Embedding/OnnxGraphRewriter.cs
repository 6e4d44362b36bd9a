using Google.Protobuf;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Edits an ONNX model in memory before ONNX Runtime loads it (nothing is written to disk): the image input gets
/// symbolic batch, height and width, the chosen tensor (e.g. the last convolutional block's feature map) becomes the
/// only graph output, and the nodes it does not depend on (the fixed 7×7 average pool after it) are dropped.
/// </summary>
/// <remarks>
/// Works on the protobuf wire format with Google.Protobuf's coded streams, reading the file's bytes in place: only the
/// graph's node, input and output fields are looked into, every other field (the 64 MB of weights above all) is
/// copied through as raw bytes, once, into an array of the exact size. So loading costs the file plus one copy, not a
/// parsed object model of every tensor (as OnnxSharp's generated classes would). Field numbers are those of onnx.proto (ModelProto.graph = 7;
/// GraphProto.node = 1, input = 11, output = 12, value_info = 13; NodeProto.input = 1, output = 2).
/// </remarks>
public static class OnnxGraphRewriter
{
    private const int ModelGraph = 7;
    private const int GraphNode = 1;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int GraphValueInfo = 13;
    private const int FloatElementType = 1;

    /// <summary>The rewritten model; throws when <paramref name="inputName"/> or <paramref name="outputName"/> is not in the graph.</summary>
    public static byte[] Rewrite(byte[] model, string inputName, string outputName, int outputChannels)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        List<ReadOnlyMemory<byte>>? graph = null;
        foreach (var field in Fields(model, 0, model.Length))
        {
            if (field.Number == ModelGraph)
            {
                graph = RewriteGraph(model, field, inputName, outputName, outputChannels);
                var length = graph.Sum(piece => piece.Length);
                pieces.Add(Message(writer =>
                {
                    writer.WriteTag(ModelGraph, WireFormat.WireType.LengthDelimited);
                    writer.WriteLength(length);
                }));
                pieces.AddRange(graph);
            }
            else
            {
                pieces.Add(model.AsMemory(field.Start, field.End - field.Start));
            }
        }

        if (graph is null)
        {
            throw new InvalidOperationException("The ONNX model has no graph.");
        }

        // One array of the exact size: the weights are copied once, from the file's bytes into it.
        var rewritten = new byte[pieces.Sum(piece => piece.Length)];
        var offset = 0;
        foreach (var piece in pieces)
        {
            piece.Span.CopyTo(rewritten.AsSpan(offset));
            offset += piece.Length;
        }

        return rewritten;
    }

    private static List<ReadOnlyMemory<byte>> RewriteGraph(byte[] model, Field graph, string inputName, string outputName, int outputChannels)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        var nodes = new List<(ReadOnlyMemory<byte> Raw, List<string> Inputs, List<string> Outputs)>();
        var sawInput = false;
        foreach (var field in Fields(model, graph.ContentStart, graph.End - graph.ContentStart))
        {
            var raw = model.AsMemory(field.Start, field.End - field.Start);
            switch (field.Number)
            {
                case GraphNode:
                    var inputs = Strings(model, field, 1);
                    var outputs = Strings(model, field, 2);
                    nodes.Add((raw, inputs, outputs));
                    break;
                case GraphInput when Strings(model, field, 1).FirstOrDefault() == inputName:
                    sawInput = true;
                    pieces.Add(ValueInfo(GraphInput, inputName, [null, 3, null, null], ["batch", null, "height", "width"]));
                    break;
                case GraphOutput or GraphValueInfo:
                    // The old outputs go; so do recorded intermediate shapes, which fix the batch and spatial sizes.
                    break;
                default:
                    // Older IR versions list initializers as inputs too: those stay as they are.
                    pieces.Add(raw);
                    break;
            }
        }

        if (!sawInput)
        {
            throw new InvalidOperationException($"The ONNX graph has no input '{inputName}'.");
        }

        if (!nodes.Any(node => node.Outputs.Contains(outputName)))
        {
            throw new InvalidOperationException($"No node of the ONNX graph produces '{outputName}'.");
        }

        pieces.AddRange(NodesNeededFor(nodes, outputName));
        pieces.Add(ValueInfo(GraphOutput, outputName, [null, outputChannels, null, null], ["batch", null, "map_height", "map_width"]));
        return pieces;
    }

    /// <summary>The nodes <paramref name="outputName"/> depends on, in their original (topological) order.</summary>
    private static IEnumerable<ReadOnlyMemory<byte>> NodesNeededFor(
        List<(ReadOnlyMemory<byte> Raw, List<string> Inputs, List<string> Outputs)> nodes, string outputName)
    {
        var needed = new HashSet<string> { outputName };
        var keep = new bool[nodes.Count];
        for (var i = nodes.Count - 1; i >= 0; i--)
        {
            if (nodes[i].Outputs.Any(needed.Contains))
            {
                keep[i] = true;
                needed.UnionWith(nodes[i].Inputs);
            }
        }

        return nodes.Where((_, i) => keep[i]).Select(node => node.Raw);
    }

    /// <summary>A field of a message: where it starts (its tag), where its content starts, and where it ends.</summary>
    private readonly record struct Field(int Number, int Start, int ContentStart, int End);

    /// <summary>The fields of the message in <paramref name="buffer"/>[offset..offset+length], read in place (nothing copied).</summary>
    private static List<Field> Fields(byte[] buffer, int offset, int length)
    {
        var fields = new List<Field>();
        // Positions of a stream over part of an array count from the array's start.
        var reader = new CodedInputStream(buffer, offset, length);
        while (true)
        {
            var start = (int)reader.Position;
            var tag = reader.ReadTag();
            if (tag == 0)
            {
                return fields;
            }

            var contentStart = (int)reader.Position;
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                // Past the length's varint.
                while ((buffer[contentStart++] & 0x80) != 0)
                {
                }
            }

            reader.SkipLastField();
            fields.Add(new Field(WireFormat.GetTagFieldNumber(tag), start, contentStart, (int)reader.Position));
        }
    }

    /// <summary>The string fields numbered <paramref name="number"/> of a length-delimited field's message.</summary>
    private static List<string> Strings(byte[] buffer, Field field, int number) =>
        Fields(buffer, field.ContentStart, field.End - field.ContentStart)
            .Where(inner => inner.Number == number)
            .Select(inner => System.Text.Encoding.UTF8.GetString(buffer, inner.ContentStart, inner.End - inner.ContentStart))
            .ToList();

    /// <summary>A float tensor ValueInfoProto: name (1), type (2) → tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2).</summary>
    private static ReadOnlyMemory<byte> ValueInfo(int field, string name, int?[] values, string?[] parameters)
    {
        var dims = values.Select((value, i) => Message(writer =>
        {
            if (value is { } fixedSize)
            {
                writer.WriteTag(1, WireFormat.WireType.Varint);
                writer.WriteInt64(fixedSize);
            }
            else
            {
                writer.WriteTag(2, WireFormat.WireType.LengthDelimited);
                writer.WriteString(parameters[i]!);
            }
        })).ToList();
        var shape = Message(writer => dims.ForEach(dim => WriteBytes(writer, 1, dim)));
        var tensor = Message(writer =>
        {
            writer.WriteTag(1, WireFormat.WireType.Varint);
            writer.WriteInt32(FloatElementType);
            WriteBytes(writer, 2, shape);
        });
        var type = Message(writer => WriteBytes(writer, 1, tensor));
        var valueInfo = Message(writer =>
        {
            writer.WriteTag(1, WireFormat.WireType.LengthDelimited);
            writer.WriteString(name);
            WriteBytes(writer, 2, type);
        });
        return Message(writer => WriteBytes(writer, field, valueInfo));
    }

    private static void WriteBytes(CodedOutputStream writer, int field, byte[] content)
    {
        writer.WriteTag(field, WireFormat.WireType.LengthDelimited);
        writer.WriteBytes(ByteString.CopyFrom(content));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var writer = new CodedOutputStream(stream, leaveOpen: true);
        write(writer);
        writer.Flush();
        return stream.ToArray();
    }
}
