using Quell.Enrichment;
using Quell.Files;

namespace Quell.Tests.Files;

/// <summary>What an analyzer is handed for a file: its content, unless it is larger than Files:MaxBytes is now, or gone.</summary>
public sealed class FileSampleTests
{
    static StoredFile Stored(long size) => new() { Sha256 = new string('a', 64), Sha1 = new string('b', 40), Md5 = new string('c', 32), Size = size, ContentType = "application/pdf" };

    [Fact]
    public async Task Content_within_the_limit_is_read()
    {
        var sample = new FileSample("a.pdf", Stored(3), 3, _ => Task.FromResult<byte[]?>([1, 2, 3]));
        Assert.Equal([1, 2, 3], await sample.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Content_kept_before_the_limit_was_lowered_is_not_read_nor_sent()
    {
        var read = false;
        var sample = new FileSample("big.iso", Stored(100), 50, _ => { read = true; return Task.FromResult<byte[]?>(new byte[100]); });
        var e = await Assert.ThrowsAsync<AnalyzerFailedException>(() => sample.ReadAsync(CancellationToken.None));
        Assert.Equal("the file big.iso is 100 bytes, more than Files:MaxBytes (50); nothing was sent", e.Message);
        Assert.False(read);
    }

    [Fact]
    public async Task Content_removed_meanwhile_fails_saying_so()
    {
        var sample = new FileSample("gone.exe", Stored(10), 50, _ => Task.FromResult<byte[]?>(null));
        var e = await Assert.ThrowsAsync<AnalyzerFailedException>(() => sample.ReadAsync(CancellationToken.None));
        Assert.Contains("no longer kept", e.Message);
    }

    [Theory]
    [InlineData("invoice.pdf|0F3B7C5C1E2F1A8B9D6E4C3B2A1F0E9D8C7B6A5F4E3D2C1B0A9F8E7D6C5B4A3F", "invoice.pdf", "0f3b7c5c1e2f1a8b9d6e4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f")]
    [InlineData("a|b.exe|0f3b7c5c1e2f1a8b9d6e4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f", "a|b.exe", "0f3b7c5c1e2f1a8b9d6e4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f")]
    public void A_file_value_names_its_file_and_sha256(string data, string name, string sha256) =>
        Assert.Equal((name, sha256), FileValue.Parse(data));

    [Theory]
    [InlineData("invoice.pdf")]
    [InlineData("invoice.pdf|d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("invoice.pdf|zz3b7c5c1e2f1a8b9d6e4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f")]
    public void A_value_without_a_sha256_names_no_content(string data) => Assert.Null(FileValue.Parse(data));
}
