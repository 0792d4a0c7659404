using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace CrmMigration.Loading
{
    /// <summary>
    /// The private load context of the engine and its third-party packages (CsvHelper, UTF.Unknown,
    /// Microsoft.Data.Sqlite and SQLite's native library), loaded from the module's Dependencies folder.
    /// Other modules in the same session may load other versions of the same packages; neither sees
    /// the other's. Public types (this assembly) stay in the default context and are shared.
    /// </summary>
    public sealed class EngineLoadContext : AssemblyLoadContext
    {
        private static readonly object Gate = new object();
        private static EngineLoadContext? _instance;
        private static bool _hooked;
        private readonly string _dependencies;
        private readonly string _sharedName = typeof(EngineLoadContext).Assembly.GetName().Name!;

        private EngineLoadContext(string dependencies) : base("CrmMigration.Engine", isCollectible: false)
        {
            _dependencies = dependencies;
        }

        /// <summary>The folder the engine loads from.</summary>
        public string DependenciesPath => _dependencies;

        /// <summary>The context, once <see cref="Register"/> has run.</summary>
        public static EngineLoadContext? Instance => _instance;

        /// <summary>
        /// Creates the context for a Dependencies folder and lets the default context find the
        /// engine assembly (only that one) through it. Safe to call more than once.
        /// </summary>
        public static void Register(string dependencies)
        {
            lock (Gate)
            {
                // The context outlives Remove-Module (loaded assemblies cannot be unloaded); a re-import hooks it again.
                _instance ??= new EngineLoadContext(dependencies);
                if (_hooked) return;
                Default.Resolving += ResolveEngine;
                _hooked = true;
            }
        }

        /// <summary>Unhooks the default context's resolver (Remove-Module), so nothing of the module is asked to resolve assemblies any more.</summary>
        public static void Unregister()
        {
            lock (Gate)
            {
                if (!_hooked) return;
                Default.Resolving -= ResolveEngine;
                _hooked = false;
            }
        }

        /// <summary>True while the default context's resolver is hooked.</summary>
        public static bool IsRegistered => _hooked;

        private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
        {
            var ctx = _instance;
            if (ctx is null || !string.Equals(name.Name, "CrmMigration.Engine", StringComparison.Ordinal)) return null;
            return ctx.LoadFromAssemblyName(name);
        }

        /// <inheritdoc/>
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (string.Equals(assemblyName.Name, _sharedName, StringComparison.Ordinal)) return null; // shared public types
            string candidate = Path.Combine(_dependencies, assemblyName.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        /// <inheritdoc/>
        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            foreach (string rid in RuntimeIds())
            {
                string dir = Path.Combine(_dependencies, "runtimes", rid, "native");
                foreach (string file in FileNames(unmanagedDllName))
                {
                    string path = Path.Combine(dir, file);
                    if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
                }
            }
            return IntPtr.Zero;
        }

        private static string[] FileNames(string name)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return new[] { name + ".dll", name };
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return new[] { "lib" + name + ".dylib", name + ".dylib", name };
            return new[] { "lib" + name + ".so", name + ".so", name };
        }

        private static string[] RuntimeIds()
        {
            string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return new[] { "win-" + arch };
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return new[] { "osx-" + arch, "osx" };
            bool musl = RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal);
            return musl ? new[] { "linux-musl-" + arch, "linux-" + arch } : new[] { "linux-" + arch };
        }
    }
}
