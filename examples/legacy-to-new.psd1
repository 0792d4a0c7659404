# How the sample legacy CRM (New-CrmSampleData) maps onto the new CRM's entities.
# A .psd1 mapping is read as data: nothing in it runs. See Get-Help about_CrmMigration_Mapping.
@{
    Version  = 1
    Entities = @{
        Account = @{
            Source = 'accounts'
            Key    = 'Id'
            Fields = [ordered]@{
                Id       = 'account_id'
                Name     = @{ Source = 'name'; Transform = 'Trim', 'CollapseSpaces'; Required = $true }
                Industry = @{ Source = 'industry'; Transform = 'Trim', 'EmptyToNull'; Default = 'Unknown' }
                City     = @{ Source = 'city'; Transform = 'Trim' }
                Country  = @{ Source = 'country'; Transform = 'Trim' }
                Phone    = 'phone'
                Website  = @{ Source = 'website'; Transform = 'Trim', 'Lower' }
                Origin   = @{ Value = 'legacy-crm' }
            }
        }
        Contact = @{
            Source = 'contacts'
            Key    = 'Id'
            Fields = [ordered]@{
                Id        = 'contact_id'
                # A reference: the import checks that the account exists (or was imported first) and rejects
                # the contact with MissingParent when it does not. See Get-Help about_CrmMigration_Relations.
                AccountId = @{ Source = 'account_id'; Reference = 'Account' }
                FirstName = @{ Source = 'first_name'; Transform = 'Trim', 'CollapseSpaces' }
                LastName  = @{ Source = 'last_name'; Transform = 'Trim', 'CollapseSpaces'; Required = $true }
                Email     = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }
                Phone     = 'phone'
                Mobile    = 'mobile'
                City      = @{ Source = 'city'; Transform = 'Trim' }
                Country   = @{ Source = 'country'; Transform = 'Trim' }
                Status    = @{
                    Source    = 'status'
                    Transform = 'Trim'
                    ValueMap  = @{ Active = 'Active'; A = 'Active'; '1' = 'Active'; Inactive = 'Inactive'; I = 'Inactive'; '*' = 'Unknown' }
                }
                CreatedAt = 'created_at'
                Notes     = 'notes'
            }
        }
        Opportunity = @{
            Source = 'opportunities'
            Key    = 'Id'
            Fields = [ordered]@{
                Id          = 'opportunity_id'
                AccountId   = @{ Source = 'account_id'; Reference = 'Account' }
                Name        = @{ Source = 'name'; Required = $true }
                Stage       = @{ Source = 'stage'; Transform = 'Trim' }
                Amount      = @{ Source = 'amount'; Type = 'Decimal'; Default = 0 }
                CloseDate   = @{ Source = 'close_date'; Type = 'Date' }
                Probability = @{ Source = 'probability'; Type = 'Integer' }
            }
        }
    }
}
