using System.Globalization;
using System.Text;

namespace ImageSearch.Api.Security;

/// <summary>
/// A product id is 1 to 128 printable characters with no surrounding whitespace. Control and format characters
/// (NUL, newlines, the right-to-left override, zero-width spaces), unpaired surrogates, private-use and unassigned
/// code points are refused: they make ids that look alike but differ, or that break logs and keys.
/// </summary>
public static class ProductIdRule
{
    public const int MaxLength = 128;

    /// <summary>The reason <paramref name="productId"/> is refused, or null.</summary>
    public static string? Check(string? productId)
    {
        if (string.IsNullOrWhiteSpace(productId))
        {
            return "product_id is required.";
        }

        if (productId.Length > MaxLength)
        {
            return $"product_id may be at most {MaxLength} characters long, not {productId.Length}.";
        }

        if (char.IsWhiteSpace(productId[0]) || char.IsWhiteSpace(productId[^1]))
        {
            return "product_id may not begin or end with whitespace.";
        }

        for (var i = 0; i < productId.Length; i++)
        {
            if (!Rune.TryGetRuneAt(productId, i, out var rune))
            {
                return $"product_id has an unpaired surrogate at position {i}.";
            }

            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                return $"product_id may hold only printable characters; U+{rune.Value:X4} at position {i} is not.";
            }

            i += rune.Utf16SequenceLength - 1;
        }

        return null;
    }
}
