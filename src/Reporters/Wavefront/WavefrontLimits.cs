namespace Metrics.Reporters.Wavefront;

/// <summary>The server's limits on one point (PROTOCOLS.md, Wavefront).</summary>
internal static class WavefrontLimits
{
    public const int MaxNameLength = 256;
    public const int MaxSourceLength = 128;
    public const int MaxTagLength = 254;
}
