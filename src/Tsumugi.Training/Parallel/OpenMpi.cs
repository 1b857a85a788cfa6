using System.Runtime.InteropServices;
using Tsumugi.Common;

namespace Tsumugi.Training.Parallel;

/// <summary>
/// The few MPI calls data parallelism needs, bound directly to OpenMPI's <c>libmpi.so.40</c> (scale-out.md §1.2).
/// MPI.NET cannot be used: its NuGet build binds msmpi.dll with MPICH's integer handles and crashes under OpenMPI,
/// whose handles are the addresses of exported globals (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>) —
/// so the functions are resolved as unmanaged function pointers and the handles with <see cref="NativeLibrary.GetExport"/>.
/// Every call blocks and is made from the training thread only (MPI_THREAD_SINGLE suffices); errors are fatal
/// (OpenMPI's default handler aborts the whole job, which is what a collective failure should do).
/// </summary>
internal sealed unsafe class OpenMpi : IDisposable
{
    /// <summary>Debian's libopenmpi3; <c>TSUMUGI_MPI_LIBRARY</c> names another OpenMPI 4 build (a path or a soname).</summary>
    public static string LibraryName => Environment.GetEnvironmentVariable("TSUMUGI_MPI_LIBRARY") is { Length: > 0 } name ? name : "libmpi.so.40";
    private static readonly IntPtr InPlace = 1; // OpenMPI's MPI_IN_PLACE

    private readonly IntPtr _world, _float, _double, _byte, _sum;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> _allreduce;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> _reduceScatterBlock;
    private readonly delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int> _allgather;
    private readonly delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> _bcast;
    private readonly delegate* unmanaged<IntPtr, int> _barrier;
    private readonly delegate* unmanaged<IntPtr, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;
    private bool _finalized;

    private OpenMpi(IntPtr library)
    {
        IntPtr Export(string name) => NativeLibrary.TryGetExport(library, name, out var p) ? p
            : throw new DistributedException($"{LibraryName} has no symbol {name}: it is not OpenMPI 4 (MPICH's ABI differs); install Debian's openmpi-bin / libopenmpi3");
        _world = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _double = Export("ompi_mpi_double");
        _byte = Export("ompi_mpi_byte");
        _sum = Export("ompi_mpi_op_sum");
        _allreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Allreduce");
        _reduceScatterBlock = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Reduce_scatter_block");
        _allgather = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)Export("MPI_Allgather");
        _bcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)Export("MPI_Bcast");
        _barrier = (delegate* unmanaged<IntPtr, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<IntPtr, int, int>)Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        var init = (delegate* unmanaged<IntPtr, IntPtr, int>)Export("MPI_Init");
        Check(init(IntPtr.Zero, IntPtr.Zero), "MPI_Init");
        int rank, size;
        Check(((delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_rank"))(_world, &rank), "MPI_Comm_rank");
        Check(((delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_size"))(_world, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    public int Rank { get; }
    public int Size { get; }

    /// <summary>
    /// Initialises MPI for a job the launcher started with <paramref name="environment"/>'s ranks, and checks MPI agrees
    /// with it (a wrong library, or a launcher that did not wire up MPI, would otherwise train N independent copies).
    /// </summary>
    public static OpenMpi Initialize(ClusterEnvironment environment)
    {
        if (!NativeLibrary.TryLoad(LibraryName, out var library))
            throw new DistributedException($"{environment.Launcher} started {environment.Size} ranks but {LibraryName} (OpenMPI) cannot be loaded; install it (Debian: apt install openmpi-bin) or run one process");
        var mpi = new OpenMpi(library);
        if (mpi.Size != environment.Size || mpi.Rank != environment.Rank)
            throw new DistributedException($"MPI sees rank {mpi.Rank} of {mpi.Size}, but {environment.Launcher} set rank {environment.Rank} of {environment.Size}; launch with mpirun, or srun --mpi=pmix");
        return mpi;
    }

    public void AllReduceSum(Span<float> buffer)
    {
        fixed (float* p = buffer) Check(_allreduce(InPlace, (IntPtr)p, buffer.Length, _float, _sum, _world), "MPI_Allreduce");
    }

    public void AllReduceSum(Span<double> buffer)
    {
        fixed (double* p = buffer) Check(_allreduce(InPlace, (IntPtr)p, buffer.Length, _double, _sum, _world), "MPI_Allreduce");
    }

    /// <summary>Sums <paramref name="send"/> (Size × recv.Length) across ranks; rank r receives block r.</summary>
    public void ReduceScatterSum(ReadOnlySpan<float> send, Span<float> receive)
    {
        if (send.Length != receive.Length * Size) throw new ArgumentException($"reduce-scatter of {send.Length} floats into {Size} blocks of {receive.Length}");
        fixed (float* s = send)
        fixed (float* r = receive)
            Check(_reduceScatterBlock((IntPtr)s, (IntPtr)r, receive.Length, _float, _sum, _world), "MPI_Reduce_scatter_block");
    }

    /// <summary>In place: every rank's block r of <paramref name="buffer"/> (Size equal blocks) is sent to all ranks.</summary>
    public void AllGatherInPlace(Span<float> buffer)
    {
        if (buffer.Length % Size != 0) throw new ArgumentException($"all-gather of {buffer.Length} floats is not {Size} equal blocks");
        fixed (float* p = buffer)
            Check(_allgather(InPlace, 0, _float, (IntPtr)p, buffer.Length / Size, _float, _world), "MPI_Allgather");
    }

    /// <summary>Every rank's <paramref name="mine"/> (same length everywhere), concatenated in rank order.</summary>
    public byte[] AllGather(ReadOnlySpan<byte> mine)
    {
        var all = new byte[mine.Length * Size];
        fixed (byte* s = mine)
        fixed (byte* r = all)
            Check(_allgather((IntPtr)s, mine.Length, _byte, (IntPtr)r, mine.Length, _byte, _world), "MPI_Allgather");
        return all;
    }

    public void Broadcast(Span<byte> buffer, int root)
    {
        fixed (byte* p = buffer) Check(_bcast((IntPtr)p, buffer.Length, _byte, root, _world), "MPI_Bcast");
    }

    public void Barrier() => Check(_barrier(_world), "MPI_Barrier");

    /// <summary>Ends every rank of the job (mpirun reports which one called it); does not return.</summary>
    public void Abort(int code) => _abort(_world, code);

    private void Check(int code, string call)
    {
        if (code != 0) throw new DistributedException($"{call} failed with MPI error {code} on rank {Rank}");
    }

    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        _finalize();
    }
}

/// <summary>A multi-process job could not start, or its ranks disagree.</summary>
public sealed class DistributedException(string message) : Exception(message)
{
    /// <summary>Every rank found the same problem; ranks other than 0 exit without repeating it.</summary>
    public bool Secondary { get; init; }

    /// <summary>
    /// Every rank throws this at the same collective (a failed agreement), so all of them can still meet at one more
    /// barrier: rank 0 reports first, and no rank's abort ends the job before the report is out.
    /// </summary>
    public bool Collective { get; init; }
}
