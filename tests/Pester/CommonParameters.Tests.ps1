# -WhatIf and -Confirm as PowerShell defines them: typed at the prompt, set by preference, or inherited from a
# calling advanced function, every writing cmdlet decides with ShouldProcess and, under WhatIf, creates nothing.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force
    Import-CrmTestModule
    $script:Legacy = Join-Path $TestDrive 'legacy.db'
    New-CrmSampleData -Path $script:Legacy -Seed 7 -Scale 60 -Force | Out-Null
    $script:Mapping = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'

    # The four routes to WhatIf a user has. The script block runs in this file's session state (no closures:
    # a closure would run in a module of its own and not see the caller's preference variables).
    function Invoke-WhatIfRoute([string] $Route, [scriptblock] $Script, [hashtable] $Arguments) {
        switch ($Route) {
            'Typed' { $Arguments.WhatIf = $true; & $Script @Arguments }
            'Preference' { $WhatIfPreference = $true; & $Script @Arguments }
            'Inherited' { Invoke-Inherited -Script $Script -Arguments $Arguments -WhatIf }
            'InheritedPreference' { $WhatIfPreference = $true; Invoke-Inherited -Script $Script -Arguments $Arguments }
        }
    }
    function Invoke-Inherited {
        # An advanced function of the user's: its -WhatIf (or the preference it inherits) reaches the cmdlets it calls.
        [CmdletBinding(SupportsShouldProcess)] param([scriptblock] $Script, [hashtable] $Arguments)
        & $Script @Arguments
    }
    function Get-Created([string] $Folder) {
        @(Get-ChildItem -LiteralPath $Folder -Recurse -Force -ErrorAction Ignore | ForEach-Object { $_.FullName.Substring($Folder.Length) })
    }
}

Describe 'Import-CrmData under WhatIf (<_>)' -ForEach 'Typed', 'Preference', 'Inherited', 'InheritedPreference' {
    BeforeAll { $script:Route = $_ }
    It 'plans every record, says WhatIf, and creates no target, ledger or reject folder' {
        $dir = Join-Path $TestDrive "import-$script:Route"
        New-Item -ItemType Directory $dir | Out-Null
        $records = @(Export-CrmData $script:Legacy -Entity accounts)
        $target = Join-Path $dir 'new.db'
        $rejects = Join-Path $dir 'rejects'
        $out = Invoke-WhatIfRoute $script:Route {
            param($Records, $Target, $Rejects, [switch] $WhatIf)
            $extra = if ($WhatIf) { @{ WhatIf = $true } } else { @{} }
            $Records | Import-CrmData $Target -Create -RejectPath $Rejects @extra
        } @{ Records = $records; Target = $target; Rejects = $rejects }
        $summary = @($out | Where-Object { $_ -is [CrmMigration.CrmImportSummary] })
        $summary.Count | Should -Be 1
        $summary[0].WhatIf | Should -BeTrue
        $summary[0].Read | Should -Be $records.Count
        $summary[0].Inserted | Should -Be $records.Count -Because 'a new table would receive every record'
        $summary[0].Rejected | Should -Be 0 -Because 'WhatIf is not a refusal (NotConfirmed)'
        Get-Created $dir | Should -BeNullOrEmpty
    }
}

Describe 'Copy-CrmData under WhatIf (<_>)' -ForEach 'Typed', 'Preference', 'Inherited', 'InheritedPreference' {
    BeforeAll { $script:Route = $_ }
    It 'plans every entity, says WhatIf, and creates nothing' {
        $dir = Join-Path $TestDrive "copy-$script:Route"
        New-Item -ItemType Directory $dir | Out-Null
        $target = Join-Path $dir 'new.db'
        $out = Invoke-WhatIfRoute $script:Route {
            param($Legacy, $Target, $Mapping, $Dir, [switch] $WhatIf)
            $extra = if ($WhatIf) { @{ WhatIf = $true } } else { @{} }
            # The sample's mess makes the mapping reject some contacts (reported as errors): the plan goes on.
            Copy-CrmData $Legacy $Target -Entity accounts, contacts -Mapping $Mapping -Create -RejectPath (Join-Path $Dir 'rejects') -ErrorAction SilentlyContinue @extra
        } @{ Legacy = $script:Legacy; Target = $target; Mapping = $script:Mapping; Dir = $dir }
        $summaries = @($out | Where-Object { $_ -is [CrmMigration.CrmImportSummary] })
        $summaries.Count | Should -Be 2
        $summaries | ForEach-Object { $_.WhatIf | Should -BeTrue; $_.Balanced | Should -BeTrue }
        @($summaries | Where-Object { $_.RejectReasons.ContainsKey('NotConfirmed') }).Count | Should -Be 0
        Get-Created $dir | Should -BeNullOrEmpty
    }
}

Describe 'File-writing cmdlets under WhatIf (<_>)' -ForEach 'Typed', 'Preference', 'Inherited', 'InheritedPreference' {
    BeforeAll { $script:Route = $_ }
    It 'New-CrmSampleData, New-CrmMapping and Export-CrmArchive write nothing' {
        $dir = Join-Path $TestDrive "files-$script:Route"
        New-Item -ItemType Directory $dir | Out-Null
        Invoke-WhatIfRoute $script:Route {
            param($Legacy, $Dir, [switch] $WhatIf)
            $extra = if ($WhatIf) { @{ WhatIf = $true } } else { @{} }
            New-CrmSampleData -Path (Join-Path $Dir 'sample.db') -Scale 10 @extra | Out-Null
            New-CrmMapping -Source $Legacy -Target $Legacy -Path (Join-Path $Dir 'draft.psd1') @extra | Out-Null
            Export-CrmArchive $Legacy -Destination (Join-Path $Dir 'bag') -Zip @extra | Out-Null
        } @{ Legacy = $script:Legacy; Dir = $dir }
        Get-Created $dir | Should -BeNullOrEmpty
    }
}

Describe 'Writing for real' {
    It 'with -Confirm:$false writes, records a ledger and says WhatIf False' {
        $dir = Join-Path $TestDrive 'real'
        New-Item -ItemType Directory $dir | Out-Null
        $target = Join-Path $dir 'new.db'
        $summary = Export-CrmData $script:Legacy -Entity accounts | Import-CrmData $target -Create -Confirm:$false
        $summary.WhatIf | Should -BeFalse
        $summary.Inserted | Should -BeGreaterThan 0
        Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'select count(*) from accounts' | Should -Be $summary.Inserted
        Test-Path "$target.crm-ledger.sqlite" | Should -BeTrue
    }

    It 'with $ConfirmPreference = Low in a non-interactive child, declining is impossible to answer, so the entity is not written' {
        $dir = Join-Path $TestDrive 'confirm'
        New-Item -ItemType Directory $dir | Out-Null
        $target = Join-Path $dir 'new.db'
        # A non-interactive host cannot prompt: ShouldProcess fails the command instead of guessing yes.
        $r = Invoke-CrmTestChild -WorkingDirectory $dir -Script @"
`$ConfirmPreference = 'Low'
try { Export-CrmData '$($script:Legacy)' -Entity accounts | Import-CrmData ./new.db -Create; 'NO-ERROR' }
catch { 'STOPPED: ' + `$_.FullyQualifiedErrorId }
"@
        ($r.Output -join "`n") | Should -Match 'STOPPED'
        Test-Path $target | Should -BeFalse
    }
}
