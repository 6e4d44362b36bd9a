namespace ImageSearch.Indexing.Queue;

/// <summary>Every state change of a task, one script each (Queue/Scripts/*.lua), named after what it does as in bullmq.</summary>
internal static class QueueScripts
{
    public static readonly QueueScript AddTasks = QueueScript.Load("addTasks");
    public static readonly QueueScript MoveToActive = QueueScript.Load("moveToActive");
    public static readonly QueueScript MoveToFinished = QueueScript.Load("moveToFinished");
    public static readonly QueueScript ExtendLeases = QueueScript.Load("extendLeases");
    public static readonly QueueScript ReleaseTasks = QueueScript.Load("releaseTasks");
    public static readonly QueueScript MoveStalledToPending = QueueScript.Load("moveStalledToPending");
    public static readonly QueueScript CancelTask = QueueScript.Load("cancelTask");
    public static readonly QueueScript RequeueDeadTask = QueueScript.Load("requeueDeadTask");
    public static readonly QueueScript FlushTasks = QueueScript.Load("flushTasks");
    public static readonly QueueScript ReadTasks = QueueScript.Load("readTasks");
    public static readonly QueueScript MoveFirstLayoutKey = QueueScript.Load("moveFirstLayoutKey");
    public static readonly QueueScript MoveFirstLayoutTask = QueueScript.Load("moveFirstLayoutTask");
}
