using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace PocketCode.Archives.Tests;

public sealed class ZipCrc32Tests
{
    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = new ZipCrc32();
        crc.Append(data);
        return crc.Value;
    }

    [Theory]
    // The CRC-32/ISO-HDLC check value and other published vectors.
    [InlineData("123456789", 0xCBF43926u)]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("abc", 0x352441C2u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void Matches_known_crc32_values(string text, uint expected)
    {
        Assert.Equal(expected, Crc(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Matches_a_known_value_over_binary_data()
    {
        // 32 zero bytes: not the all-zero value a missing table or init would give.
        Assert.Equal(0x190A55ADu, Crc(new byte[32]));
    }

    [Fact]
    public void Appending_in_pieces_gives_the_same_value_as_at_once()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        for (var split = 0; split <= data.Length; split++)
        {
            var crc = new ZipCrc32();
            crc.Append(data.AsSpan(0, split));
            crc.Append(data.AsSpan(split));
            Assert.Equal(0xCBF43926u, crc.Value);
        }
    }

    [Fact]
    public void Agrees_with_the_checksum_a_zip_writer_records()
    {
        var content = RandomNumberGenerator.GetBytes(200_000);
        var zip = TestZips.Build(z => TestZips.Add(z, "data.bin", content));
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);

        Assert.Equal(archive.GetEntry("data.bin")!.Crc32, Crc(content));
    }
}
