using System.Runtime.InteropServices;
using Garnet;

// Garnet, Microsoft's Redis-protocol server, hosted in a process of its own so that local mode needs
// nothing but the .NET SDK. Arguments are Garnet's own; the password comes from the environment so it
// never shows in the process list.
var password = Environment.GetEnvironmentVariable("REDIS_PASSWORD");
string[] serverArgs = string.IsNullOrEmpty(password)
    ? args
    : [.. args, "--auth", "Password", "--password", password];

using var server = new GarnetServer(serverArgs);
server.Start();

var stopping = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
await stopping.Task;

// Disposing the server flushes and closes the append-only file.
return;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.TrySetResult();
}
