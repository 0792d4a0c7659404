# The module as a whole: its built layout and manifest, its public types and record adapter, its isolation
# from other modules' copies of its libraries, and how it behaves in a pwsh process run by a script or scheduler.
BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'The built module' {
    It 'is stamped with the manifest version, keeps the engine under Dependencies/ and exports the cmdlets' {
        $module = Get-Module CrmMigration
        $source = Import-PowerShellDataFile (Join-Path (Get-CrmTestRepoRoot) 'CrmMigration.psd1')
        $dir = Split-Path -Parent (Get-CrmTestManifest)
        $module.Version.ToString() | Should -Be $source.ModuleVersion
        Split-Path -Leaf $dir | Should -Be $source.ModuleVersion
        $module.PowerShellVersion.ToString() | Should -Be '7.4'
        $module.CompatiblePSEditions | Should -Contain 'Core'
        Join-Path $dir 'Dependencies/CrmMigration.Engine.dll' | Should -Exist
        Join-Path $dir 'CrmMigration.Engine.dll' | Should -Not -Exist -Because 'the engine must live under Dependencies/, not next to the root module'
        Join-Path $dir 'Dependencies/CsvHelper.dll' | Should -Exist
        $module.ExportedCmdlets.Keys | Should -Contain 'Import-CrmData'
        $module.ExportedCmdlets.Keys | Should -Contain 'Export-CrmData'
    }

    It 'resolves its public types by name in scripts, from the default load context' {
        [CrmMigration.CrmRecord].Assembly.GetName().Name | Should -Be 'CrmMigration'
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([CrmMigration.CrmRecord].Assembly).Name | Should -Be 'Default'
    }
}

Describe 'Native code for the runtime that built it (build/ReadyToRun/ReadyToRun.proj)' {
    It 'carries precompiled code beside the IL in every managed assembly, with the debug entry that keeps line numbers' {
        $dir = Split-Path -Parent (Get-CrmTestManifest)
        $files = @(Get-ChildItem -LiteralPath $dir, (Join-Path $dir 'Dependencies') -Filter *.dll -File)
        $files.Count | Should -BeGreaterThan 20
        foreach ($file in $files) {
            $stream = [IO.File]::OpenRead($file.FullName)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size | Should -BeGreaterThan 0 -Because "$($file.Name) should be ReadyToRun"
                if ($file.BaseName -like 'CrmMigration*') {
                    @($pe.ReadDebugDirectory().Type) | Should -Contain ([System.Reflection.PortableExecutable.DebugDirectoryEntryType]::CodeView) -Because "$($file.Name)'s errors should keep their line numbers"
                }
            }
            finally { $stream.Dispose() }
        }
    }

    It 'is used by this pwsh: a first copy and export JIT-compile few of the module''s own methods' {
        $dir = New-CrmTestFolder
        Set-Content -LiteralPath (Join-Path $dir 'c.csv') -Value "id,name,score`n1,Ann,3`n2,Bob,4`n3,Cy,5" -NoNewline
        # The runtime's own JIT events, counted in a fresh process for methods of the module's types (the IL alone compiles
        # about 750 of them here; precompiled, under 100: generic code shared with the framework, lambdas the runtime makes).
        $r = Invoke-CrmTestChild -NoImport -WorkingDirectory $dir -Script @"
Add-Type -TypeDefinition @'
using System.Diagnostics.Tracing;
using System.Threading;
public sealed class CrmJitCounter : EventListener {
    public static int Methods;
    protected override void OnEventSourceCreated(EventSource source) {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
    }
    protected override void OnEventWritten(EventWrittenEventArgs e) {
        if (e.EventName == null || !e.EventName.StartsWith("MethodJittingStarted") || e.Payload == null) return;
        int i = e.PayloadNames.IndexOf("MethodNamespace");
        if (i >= 0 && e.Payload[i] is string ns && ns.StartsWith("CrmMigration.")) Interlocked.Increment(ref Methods);
    }
}
'@
`$listener = [CrmJitCounter]::new()
Import-Module '$(Get-CrmTestManifest)'
`$null = Copy-CrmData -Source ./c.csv -Target ./t.db -Create -NoLedger
(Export-CrmData -Path ./t.db -Entity c | ForEach-Object name) -join ','
Start-Sleep -Milliseconds 1500
[CrmJitCounter]::Methods
"@
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output[0] | Should -Be 'Ann,Bob,Cy'
        [int] $r.Output[1] | Should -BeGreaterThan 0 -Because 'the listener must see the JIT at all for the count to mean anything'
        [int] $r.Output[1] | Should -BeLessThan 200
    }
}

Describe 'CrmRecord in scripts' {
    It 'reads and writes fields as properties, case-insensitively, in pipelines' {
        $records = foreach ($i in 1..5) {
            $rec = [CrmMigration.CrmRecord]::new('Contact')
            $rec['Email'] = "user$i@" + $(if ($i % 2) { 'x.com' } else { 'y.org' })
            $rec['City'] = "City$i"
            $rec.Key = [CrmMigration.CrmKey]::new([string]$i)
            $rec
        }
        ($records | Where-Object Email -like '*@x.com' | ForEach-Object { $_.City }) -join ',' | Should -Be 'City1,City3,City5'
        $records[0].email | Should -Be 'user1@x.com'
        $records[0].Entity | Should -Be 'Contact'
        $records[0].City = 'Changed'
        $records[0]['city'] | Should -Be 'Changed'
    }
}

Describe 'Isolation from other modules' {
    It 'works when another version of its CSV library is already loaded in the session' {
        $old = Join-Path (Get-CrmTestNuGetPackage CsvHelper 30.0.1) 'lib/net6.0/CsvHelper.dll'
        $dir = New-CrmTestFolder
        Set-Content -LiteralPath (Join-Path $dir 'c.csv') -Value "id,name`n1,Ann`n2,Bob" -NoNewline
        # A fresh pwsh where another module's CsvHelper 30 is loaded before CrmMigration is imported.
        $r = Invoke-CrmTestChild -NoImport -WorkingDirectory $dir -Script @"
Add-Type -LiteralPath '$old'
Import-Module '$(Get-CrmTestManifest)'
(Export-CrmData -Path ./c.csv | ForEach-Object name) -join ','
`$ctx = [CrmMigration.Loading.EngineLoadContext]::Instance
(`$ctx.Assemblies | Where-Object { `$_.GetName().Name -eq 'CsvHelper' }).GetName().Version.Major
([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { `$_.GetName().Name -eq 'CsvHelper' }).GetName().Version.Major
@([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { `$_.GetName().Name -eq 'CrmMigration.Engine' }).Count
"@
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Be @('Ann,Bob', '34', '30', '0')
    }
}

Describe 'In a pwsh process run by a script or a scheduler' {
    It 'renders records through the module''s table view, as plain text where colour is turned off (NO_COLOR)' {
        # pwsh colours table headers even when redirected; NO_COLOR (as CI and schedulers set it) turns that off,
        # and the module's own views must then add no escape codes of their own.
        $r = Invoke-CrmTestChild -WorkingDirectory (New-CrmTestFolder) -Environment @{ NO_COLOR = '1' } -Script @'
$r = [CrmMigration.CrmRecord]::new('Contact'); $r['Email'] = 'a@b.c'; $r.Key = [CrmMigration.CrmKey]::new('K1'); $r
'@
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $text = $r.Output -join "`n"
        $text | Should -Match 'Entity\s+Key\s+Fields'
        $text | Should -Match 'Contact\s+K1\s+Email=a@b.c'
        $text | Should -Not -Match ([regex]::Escape([string][char]27) + '\[')
    }

    It 'exits non-zero with the error id on stderr when the script fails, and with the script''s own exit code' {
        $dir = New-CrmTestFolder
        # A scheduled script that logs the stable error id of what stopped it.
        $failed = Invoke-CrmTestChild -WorkingDirectory $dir -Script @'
trap { [Console]::Error.WriteLine('failed: ' + $_.FullyQualifiedErrorId); break }
Export-CrmData -Path ./missing.db
'drew no error'
'@
        $failed.ExitCode | Should -Not -Be 0
        $failed.Output | Should -BeNullOrEmpty
        $failed.Error | Should -Match 'failed: SqliteDatabaseNotFound,'
        ($failed.Error -replace '\r?\n\s*\|\s*', ' ') | Should -Match 'The SQLite database'    # the error view wraps the message
        $failed.Error | Should -Match 'missing\.db'
        (Invoke-CrmTestChild -WorkingDirectory $dir -Script 'exit 7').ExitCode | Should -Be 7
        (Invoke-CrmTestChild -WorkingDirectory $dir -Script "'fine'").ExitCode | Should -Be 0
    }
}
