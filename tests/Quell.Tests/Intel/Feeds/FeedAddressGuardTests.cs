using System.Net;
using Quell.Intel.Feeds.Fetching;

namespace Quell.Tests.Intel.Feeds;

public class FeedAddressGuardTests
{
    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("100.100.100.200")]
    [InlineData("fe80::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    public void Link_local_metadata_and_non_unicast_addresses_are_refused_even_when_private_networks_are_allowed(string address)
    {
        Assert.NotNull(FeedAddressGuard.Refusal(IPAddress.Parse(address), allowPrivate: true));
        Assert.NotNull(FeedAddressGuard.Refusal(IPAddress.Parse(address), allowPrivate: false));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Private_and_loopback_addresses_are_refused_unless_allowed(string address)
    {
        var refusal = FeedAddressGuard.Refusal(IPAddress.Parse(address), allowPrivate: false);
        Assert.NotNull(refusal);
        Assert.Contains("AllowPrivateNetworks", refusal);
        Assert.Null(FeedAddressGuard.Refusal(IPAddress.Parse(address), allowPrivate: true));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("193.0.6.139")]
    [InlineData("2001:4860:4860::8888")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.Null(FeedAddressGuard.Refusal(IPAddress.Parse(address), allowPrivate: false));
}
