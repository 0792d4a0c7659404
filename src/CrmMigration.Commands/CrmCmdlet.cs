using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Threading;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Base of every CrmMigration cmdlet: Ctrl+C reaches engine loops through a cancellation token,
    /// engine problems become ErrorRecords with stable ids, paths resolve the PowerShell way, and
    /// progress is throttled by time.
    /// </summary>
    public abstract partial class CrmCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();
        private readonly Stopwatch _progressClock = Stopwatch.StartNew();
        private long _lastProgressMs = -1000;
        private bool _disposed;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _cancel.Token;

        /// <inheritdoc/>
        protected override void StopProcessing() => _cancel.Cancel();

        /// <summary>Turns a CrmDataError into a non-terminating error with its code as the error id.</summary>
        protected void WriteCrmError(CrmDataError error, object? target = null)
        {
            WriteError(ToErrorRecord(error, null, target));
        }

        /// <summary>What a reader reports beside its records: an error (non-terminating), a warning, or a verbose note, by its severity.</summary>
        protected void WriteReaderProblem(CrmDataError error)
        {
            switch (error.Severity)
            {
                case CrmErrorSeverity.Warning: WriteWarning(error.FullMessage); break;
                case CrmErrorSeverity.Information: WriteVerbose(error.FullMessage); break;
                default: WriteCrmError(error); break;
            }
        }

        /// <summary>Stops the command with a CrmException's error.</summary>
        protected void ThrowCrm(CrmException ex, object? target = null)
        {
            ThrowTerminatingError(ToErrorRecord(ex.Error, ex, target));
        }

        /// <summary>Builds the ErrorRecord: id = code, category from the kind, target = the record when there is one.</summary>
        protected static ErrorRecord ToErrorRecord(CrmDataError error, Exception? ex, object? target)
        {
            var category = error.Kind switch
            {
                CrmErrorKind.InvalidData => ErrorCategory.InvalidData,
                CrmErrorKind.InvalidValue => ErrorCategory.InvalidData,
                CrmErrorKind.NotFound => ErrorCategory.ObjectNotFound,
                CrmErrorKind.WriteError => ErrorCategory.WriteError,
                CrmErrorKind.ConnectionError => ErrorCategory.ConnectionError,
                _ => ErrorCategory.InvalidArgument,
            };
            var record = new ErrorRecord(ex ?? new CrmException(error), error.Code, category, target ?? (object?)error.Record ?? error);
            return record;
        }

        /// <summary>Resolves a path from the user (relative to the current location, ~ expanded) to a file-system path.</summary>
        protected string ResolvePath(string path)
        {
            return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        }

        /// <summary>The connection a command works on: -Connection as given, or one inferred from -Path. Stops the command with the path's error id when the provider cannot be told.</summary>
        protected CrmConnection ResolveConnection(CrmConnection? connection, string? path)
        {
            if (connection is not null) return connection;
            try
            {
                return ConnectionFactory.FromPath(ResolvePath(path!));
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, path);
                throw; // not reached: ThrowCrm always throws
            }
        }

        /// <summary>Writes a progress record at most four times a second.</summary>
        protected void WriteThrottledProgress(int activityId, string activity, string status, long count, double elapsedSeconds)
        {
            long now = _progressClock.ElapsedMilliseconds;
            if (now - _lastProgressMs < 250) return;
            _lastProgressMs = now;
            double rate = elapsedSeconds > 0 ? count / elapsedSeconds : 0;
            WriteProgress(new ProgressRecord(activityId, activity, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{status}: {count:N0} records, {rate:N0}/s")));
        }

        /// <summary>Ends a progress bar.</summary>
        protected void CompleteProgress(int activityId, string activity)
        {
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Dispose(true);
            _cancel.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases files and connections (also when the pipeline is stopped).</summary>
        protected virtual void Dispose(bool disposing) { }
    }

    /// <summary>Lets -Connection take a path (string, FileInfo, DirectoryInfo) as well as a connection.</summary>
    public sealed class CrmConnectionTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc/>
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject pso ? pso.BaseObject : inputData;
            string? path = value switch
            {
                string s => s,
                FileSystemInfo fi => fi.FullName,
                _ => null,
            };
            if (path is null) return value;
            string resolved = engineIntrinsics.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            return ConnectionFactory.FromPath(resolved);
        }
    }
}
