namespace PocketCode.Archives;

/// <summary>
/// CRC-32 (IEEE 802.3, the zip checksum), computed over what an entry actually inflates to.
/// System.IO.Compression stops reading at the size an entry's header claims without always
/// checking the checksum, so a header that lies about the size would otherwise import a silently
/// truncated file. (System.IO.Hashing has this, but is a separate package for ten lines.)
/// </summary>
public struct ZipCrc32
{
    private static readonly uint[] Table = BuildTable();

    private uint _state;

    public ZipCrc32() => _state = 0xFFFFFFFFu;

    public readonly uint Value => ~_state;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _state;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        _state = crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
