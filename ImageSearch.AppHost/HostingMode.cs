/// <summary>How the backing servers run: as containers, or as local processes when no container runtime answers.</summary>
public enum HostingMode
{
    Containers,
    Local
}
