namespace Metrics.Reporters;

/// <summary>
/// Options of <see cref="TendrlReporter"/>: the common <see cref="ReporterOptions"/> plus where the local Tendrl agent
/// listens and what every message carries. <see cref="ReporterOptions.BatchSize"/> defaults to 100 here (messages
/// written to the agent per send). Validated once, when the reporter is constructed.
/// </summary>
public sealed class TendrlReporterOptions : ReporterOptions
{
    /// <summary>The environment variable the agent (and these options) read the socket path from.</summary>
    public const string SocketPathVariable = "TENDRL_SOCKET";

    /// <summary>The agent's socket path when <see cref="SocketPathVariable"/> is not set.</summary>
    public const string DefaultSocketPath = "/var/lib/tendrl/tendrl_agent.sock";

    /// <summary>The most <see cref="MessageTags"/> a message may carry: the agent rejects messages with more.</summary>
    public const int MaxMessageTags = 10;

    /// <summary>Creates options with the agent's socket path from <c>TENDRL_SOCKET</c> (else the default) and batches of 100 messages.</summary>
    public TendrlReporterOptions()
    {
        BatchSize = 100;
        var fromEnvironment = Environment.GetEnvironmentVariable(SocketPathVariable);
        SocketPath = string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultSocketPath : fromEnvironment.Trim();
    }

    /// <summary>
    /// The agent's Unix domain socket. Default the <c>TENDRL_SOCKET</c> environment variable when it is set (read when
    /// the options are created), else <c>/var/lib/tendrl/tendrl_agent.sock</c>.
    /// </summary>
    public string SocketPath { get; set; }

    /// <summary>The entity every message is published to, written as <c>"dest"</c>. Default null: no <c>dest</c> (the agent's own entity).</summary>
    public string? Entity { get; set; }

    /// <summary>
    /// Tags of every message, written as <c>"context":{"tags":[...]}</c>: at most 10 (the agent rejects more), none
    /// empty or blank. They label the message for the agent; the point's own tags travel in <c>data.tags</c>. Default none.
    /// </summary>
    public IReadOnlyList<string>? MessageTags { get; set; } = [];

    /// <summary>
    /// Ask the agent to answer every message (<c>"context":{"wait":true}</c>): each point is then acknowledged or
    /// failed exactly, and a connection lost mid-batch resends only the points not acknowledged. Without it the agent
    /// answers only errors, which reach the error handler as they arrive; a message the agent had not read when the
    /// connection broke after a send is lost, and when it breaks while a batch is written the whole batch is sent
    /// again, so the messages the agent had read arrive twice. Default false.
    /// </summary>
    public bool WaitForResponse { get; set; }

    /// <summary>How long connecting to the agent's socket may take. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long writing one batch may take, and with <see cref="WaitForResponse"/> how long the agent may take to answer
    /// all of its messages after that. Default 30 seconds. Past it the connection is dropped and the points not
    /// acknowledged fail as transient (retried, then kept in offline storage when configured).
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
